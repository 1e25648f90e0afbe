package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.exitCode;
import static dev.deadletter.policy.Tasks.reason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.Rules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rounds and budgets recorded in status: per-rule budgets and backoffs, the bounded
 * RetryWithoutCounting, the dead-letter latch that spec edits cannot lift, maxRetryDuration at the
 * real start, and the migration of a status an older version wrote.
 */
class RoundsAndBudgetsTest {

  private static final Duration RUNTIME = Duration.ofSeconds(30);

  /** Runs attempts that all fail the same way until the task stops asking for one. */
  private static List<Decision> failUntilItStops(TaskRun run, FailureDetails failure) {
    List<Decision> decisions = new ArrayList<>();
    for (int pass = 0; pass < 200; pass++) {
      Decision d = run.decide();
      decisions.add(d);
      if (d.action() instanceof StartAttempt start) {
        run.after(RUNTIME).fail(start.number(), failure);
      } else if (d.action() instanceof WaitUntil wait) {
        run.at(wait.when());
      } else {
        return decisions;
      }
    }
    throw new AssertionError("the task never stopped: " + run.status().getMessage());
  }

  private static RetryRule named(RetryRule rule, String name, Integer maxAttempts) {
    rule.setName(name);
    rule.setMaxAttempts(maxAttempts);
    return rule;
  }

  @Test
  void retryWithoutCountingIsBoundedByItsOwnDefaultBudgetAndBacksOffByItsOwnCount() {
    // Before: an always-evicted task with maxAttempts 2 ran 45 attempts in 90 s at a fixed delay.
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .maxAttempts(2)
                .backoff("1s", 2, "1h", 0)
                .rules(Rules.onReasons(RetryAction.RetryWithoutCounting, "Evicted")));

    List<Decision> decisions = failUntilItStops(run, reason("Evicted"));

    DeadLetterTaskStatus end = run.status();
    assertThat(end.getAttempts()).isEqualTo(RetryRule.DEFAULT_UNCOUNTED_MAX_ATTEMPTS);
    assertThat(end.getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(end.getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RuleBudgetExhausted);
    assertThat(end.getRound().getRuleFailures()).containsEntry("rules[0]", 10);
    assertThat(end.getRound().getUncountedAttempts()).isEqualTo(10);
    assertThat(end.getRound().getCountedAttempts()).isZero();
    assertThat(decisions)
        .extracting(Decision::chosenDelay)
        .filteredOn(d -> d != null)
        .startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
  }

  @Test
  void aRuleWithItsOwnBudgetAndBackoffOverridesThePolicyForItsFailures() {
    RetryRule throttled =
        named(
            Rules.onExitCodes(RetryAction.Retry, ExitCodeMatcher.Operator.In, 75), "throttled", 4);
    BackoffPolicy slow = new BackoffPolicy();
    slow.setInitialDelay("1m");
    slow.setMultiplier(3.0);
    slow.setJitter(0.0);
    throttled.setBackoff(slow);
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "1h", 0).rules(throttled));

    List<Decision> decisions = failUntilItStops(run, exitCode(75));

    DeadLetterTaskStatus end = run.status();
    assertThat(end.getAttempts()).as("the rule's 4, not the policy's 2").isEqualTo(4);
    assertThat(end.getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RuleBudgetExhausted);
    assertThat(end.getDeadLetter().getMessage()).contains("rule throttled matched 4 failures");
    assertThat(end.getHistory()).extracting(AttemptRecord::getRule).containsOnly("throttled");
    assertThat(decisions)
        .extracting(Decision::chosenDelay)
        .filteredOn(d -> d != null)
        .containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(3), Duration.ofMinutes(9));
  }

  @Test
  void failuresNoBudgetedRuleMatchedStillSpendThePolicysBudget() {
    RetryRule throttled =
        named(
            Rules.onExitCodes(RetryAction.Retry, ExitCodeMatcher.Operator.In, 75), "throttled", 5);
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "1h", 0).rules(throttled));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(75)); // charged to the rule
    run.at(run.decide().action() instanceof WaitUntil w ? w.when() : run.now());
    run.decide();
    run.after(RUNTIME).fail(2, exitCode(1)); // counted: 1 of 2
    run.at(run.decide().action() instanceof WaitUntil w ? w.when() : run.now());
    run.decide();
    run.after(RUNTIME).fail(3, exitCode(1)); // counted: 2 of 2

    Decision d = run.decide();

    assertThat(d.status().getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RetriesExhausted);
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(2);
    assertThat(d.status().getRound().getUncountedAttempts()).isEqualTo(1);
    assertThat(d.status().getRound().getRuleFailures()).containsEntry("throttled", 1);
  }

  @Test
  void raisingMaxAttemptsOnADeadLetteredTaskDoesNotReviveIt() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("1s", 2, "1m", 0));
    failUntilItStops(run, exitCode(1));
    assertThat(run.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetriesExhausted);
    String at = run.status().getDeadLetter().getAt();

    run.task().getSpec().getRetryPolicy().setMaxAttempts(5);
    run.task().getMetadata().setGeneration(2L);
    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.status().getAttempts()).isEqualTo(2);
    assertThat(d.status().getDeadLetter().getAt()).as("recorded once").isEqualTo(at);
    assertThat(d.events()).isEmpty();
  }

  @Test
  void removingMaxRetryDurationOrADeadLetterRuleDoesNotReviveIt() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .maxAttempts(5)
                .backoff("1s", 2, "1m", 0)
                .rules(Rules.onExitCodes(RetryAction.DeadLetter, ExitCodeMatcher.Operator.In, 2)));
    failUntilItStops(run, exitCode(2));
    assertThat(run.status().getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RuleMatched);

    run.task().getSpec().getRetryPolicy().setRules(null);
    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.action()).isEqualTo(new Idle());
  }

  @Test
  void aRedriveStartsTheNextRoundWithEveryBudgetUnspent() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .maxAttempts(2)
                .backoff("1s", 2, "1m", 0)
                .rules(Rules.onReasons(RetryAction.RetryWithoutCounting, "Evicted")));
    run.decide();
    run.after(RUNTIME).fail(1, reason("Evicted"));
    failUntilItStops(run, exitCode(1));
    assertThat(run.status().getRound().getNumber()).isEqualTo(1);

    run.requestRetry("again");
    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.action()).isInstanceOf(StartAttempt.class);
    assertThat(d.status().getDeadLetter()).isNull();
    assertThat(d.status().getRound().getNumber()).isEqualTo(2);
    assertThat(d.status().getRound().getFirstAttempt()).isEqualTo(d.status().getAttempts());
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(d.status().getRound().getRuleFailures()).isEmpty();
    assertThat(d.status().getRound().getStartedAt()).isEqualTo(Timestamps.format(run.now()));
  }

  @Test
  void maxRetryDurationIsCheckedWhenTheRetryReallyStarts() {
    // Before: maxRetryDuration 20s, suspended after attempt 1, resumed at 25 s: attempt 2 started.
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(5).backoff("5s", 2, "1m", 0).maxRetryDuration("20s"));
    run.decide();
    run.after(Duration.ofSeconds(2)).fail(1, exitCode(1));
    assertThat(run.decide().action()).isInstanceOf(WaitUntil.class); // due at 0:07, within 0:20
    run.suspend(true);
    run.decide();
    run.suspend(false);

    Decision d = run.at(T0.plusSeconds(25)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getAttempts()).isEqualTo(1);
    assertThat(d.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetryDurationExceeded);
    assertThat(d.status().getMessage()).contains("attempt 2 was due to start at");
  }

  @Test
  void aRetryWithinMaxRetryDurationStillStartsAfterAShortSuspend() {
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(5).backoff("5s", 2, "1m", 0).maxRetryDuration("20s"));
    run.decide();
    run.after(Duration.ofSeconds(2)).fail(1, exitCode(1));
    run.decide();
    run.suspend(true);
    run.decide();
    run.suspend(false);

    Decision d = run.at(T0.plusSeconds(15)).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
  }

  @Test
  void aStatusFromAnOlderVersionIsCarriedOverOnce() {
    DeadLetterTaskStatus older = new DeadLetterTaskStatus();
    older.setPhase(TaskPhase.DeadLettered);
    older.setAttempts(3);
    older.setCountedAttempts(3);
    older.setRoundStartedAt("2030-01-01T00:00:00Z");
    older.setMessage("all 3 attempts failed; last: Error (exit code 1)");
    AttemptRecord last = new AttemptRecord();
    last.setAttempt(3);
    last.setJob(Tasks.jobName(3));
    last.setOutcome(AttemptRecord.Outcome.Failed);
    last.setReason("Error");
    last.setExitCode(1);
    last.setFinishTime("2030-01-01T00:05:00Z");
    last.setAction(RetryAction.Retry);
    older.setHistory(new ArrayList<>(List.of(last)));
    TaskRun run =
        new TaskRun(Tasks.task().maxAttempts(3).status(older).build(), T0.plusSeconds(600));

    Decision d = run.decide();

    DeadLetterTaskStatus s = d.status();
    assertThat(s.getCountedAttempts()).as("no longer written").isNull();
    assertThat(s.getRoundStartedAt()).isNull();
    assertThat(s.getRound().getCountedAttempts()).isEqualTo(3);
    assertThat(s.getRound().getStartedAt()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(s.getRound().getFirstAttempt()).isEqualTo(1);
    assertThat(s.getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(s.getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RetriesExhausted);
    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(run.decideAgain().status()).as("carried over once").isEqualTo(s);
  }

  @Test
  void aTaskWhoseStatusTripsTheDeciderStallsInsteadOfFailingEveryReconcile() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.status().getHistory().get(0).setFinishTime("not a time");

    Decision d = run.decide();

    assertThat(d.action()).isInstanceOf(WaitUntil.class);
    assertThat(Tasks.condition(d.status(), TaskConditions.STALLED).getReason())
        .isEqualTo("InternalError");
    assertThat(d.status().getMessage()).startsWith("the operator could not decide");
  }
}
