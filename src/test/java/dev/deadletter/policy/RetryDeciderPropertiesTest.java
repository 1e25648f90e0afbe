package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static dev.deadletter.testing.PropertyRuns.doubleBetween;
import static dev.deadletter.testing.PropertyRuns.forAll;
import static dev.deadletter.testing.PropertyRuns.intBetween;
import static dev.deadletter.testing.PropertyRuns.listOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.Rules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Runs the decider through random policies and random attempt outcomes, the way the reconciler
 * would, and checks what must hold whatever happens.
 */
class RetryDeciderPropertiesTest {

  /**
   * Far more passes than any generated run needs: a run that is still going then would never end.
   */
  private static final int MAX_PASSES = 1_000;

  @Test
  void everyRunKeepsTheRetryInvariantsAndEnds() {
    forAll(
        300,
        r -> Scenario.random(r, List.of(RetryAction.values()), 30),
        Scenario::exitCodes,
        Scenario::withExitCodes,
        scenario -> {
          // exit code 0 succeeds; when the generated outcomes run out, the next attempt succeeds
          Deque<Integer> outcomes = new ArrayDeque<>(scenario.exitCodes());
          TaskRun run = new TaskRun(scenario.task(), Tasks.T0);

          RunLog log =
              simulate(
                  run, () -> outcomes.isEmpty() ? 0 : outcomes.poll(), new Random(scenario.seed()));

          assertThat(log.ended).as("the run ended").isTrue();
          DeadLetterTaskStatus end = run.status();
          assertThat(end.getPhase()).isIn(TaskPhase.Succeeded, TaskPhase.DeadLettered);
          AttemptRecord last = log.records.get(end.getAttempts());
          if (end.getPhase() == TaskPhase.Succeeded) {
            assertThat(last.getOutcome()).isEqualTo(AttemptRecord.Outcome.Succeeded);
          } else {
            DeadLetterReason reason = end.getDeadLetter().getReason();
            RoundStatus round = end.getRound();
            assertThat(
                    (reason == DeadLetterReason.RuleMatched
                            && last.getAction() == RetryAction.DeadLetter)
                        || (reason == DeadLetterReason.RetriesExhausted
                            && round.getCountedAttempts() == scenario.maxAttempts())
                        || (reason == DeadLetterReason.RuleBudgetExhausted
                            && round.getRuleFailures().get(last.getRule())
                                == RetryRule.DEFAULT_UNCOUNTED_MAX_ATTEMPTS))
                .as("dead-lettered by a DeadLetter rule or by a spent budget: %s", end.getMessage())
                .isTrue();
          }
        });
  }

  @Test
  void failuresThatAllCountEndDeadLetteredWithinMaxAttempts() {
    forAll(
        200,
        r -> Scenario.random(r, List.of(RetryAction.Retry, RetryAction.DeadLetter), 0),
        scenario -> {
          int maxAttempts = scenario.maxAttempts();
          TaskRun run = new TaskRun(scenario.task(), Tasks.T0);
          Random random = new Random(scenario.seed());

          RunLog log = simulate(run, () -> 1 + random.nextInt(4), random);

          assertThat(log.ended).isTrue();
          assertThat(run.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
          assertThat(log.starts).isBetween(1, maxAttempts);
          // start, end and one backoff wait per attempt, plus the occasional early look
          assertThat(log.passes).isLessThanOrEqualTo(6 * maxAttempts + 2);
        });
  }

  /**
   * One generated run: a policy, the exit codes of its first attempts, and the seed of everything
   * else that is random (attempt durations, early wake-ups, further exit codes).
   */
  private record Scenario(
      int maxAttempts, List<Rule> rules, double jitter, List<Integer> exitCodes, long seed) {

    /** Up to 4 rules with these actions on exit codes 1-4, and up to {@code maxExitCodes} 0-4. */
    static Scenario random(Random r, List<RetryAction> actions, int maxExitCodes) {
      return new Scenario(
          intBetween(r, 1, 10),
          listOf(r, 0, 4, rr -> Rule.random(rr, actions)),
          doubleBetween(r, 0, 1),
          listOf(r, 0, maxExitCodes, rr -> intBetween(rr, 0, 4)),
          r.nextLong());
    }

    Scenario withExitCodes(List<Integer> exitCodes) {
      return new Scenario(maxAttempts, rules, jitter, exitCodes, seed);
    }

    DeadLetterTask task() {
      return Tasks.task()
          .maxAttempts(maxAttempts)
          .backoff("10s", 2, "5m", jitter)
          .rules(rules.stream().map(Rule::toRetryRule).toArray(RetryRule[]::new))
          .build();
    }
  }

  /** A rule on 1 to 3 exit codes in 1-4, readable in a failure report. */
  private record Rule(RetryAction action, List<Integer> exitCodes) {
    static Rule random(Random r, List<RetryAction> actions) {
      return new Rule(
          actions.get(r.nextInt(actions.size())), listOf(r, 1, 3, rr -> intBetween(rr, 1, 4)));
    }

    RetryRule toRetryRule() {
      return Rules.onExitCodes(action, In, exitCodes.toArray(Integer[]::new));
    }
  }

  /** What a simulated run did. */
  private static final class RunLog {
    boolean ended;
    int passes;
    int starts;

    /** Every history record ever written, by attempt: status history is capped, this is not. */
    final Map<Integer, AttemptRecord> records = new TreeMap<>();

    long uncountedFailures() {
      return records.values().stream()
          .filter(r -> r.getAction() == RetryAction.RetryWithoutCounting)
          .count();
    }
  }

  /**
   * Reconciles until the task rests in a final phase: every running attempt ends after a random
   * time with the next exit code, every wait is waited out, sometimes with an extra pass in the
   * middle of it.
   */
  private static RunLog simulate(TaskRun run, IntSupplier nextExitCode, Random random) {
    int maxAttempts = run.task().getSpec().getRetryPolicy().getMaxAttempts();
    RunLog log = new RunLog();
    while (log.passes < MAX_PASSES) {
      int attemptsBefore = run.status() == null ? 0 : run.status().getAttempts();
      Instant now = run.now();

      Decision d = run.decide();
      log.passes++;
      DeadLetterTaskStatus s = d.status();
      s.getHistory().forEach(r -> log.records.put(r.getAttempt(), r));

      assertThat(s.getRound().getCountedAttempts()).isBetween(0, maxAttempts);
      assertThat(s.getAttempts()).isGreaterThanOrEqualTo(attemptsBefore);
      assertThat(log.records.keySet())
          .as("attempts are numbered 1, 2, 3, ...")
          .allMatch(n -> n <= s.getAttempts());
      assertThat(log.records.size()).isIn(s.getAttempts(), s.getAttempts() - 1);

      if (d.action() instanceof StartAttempt start) {
        log.starts++;
        assertThat(start.number()).isEqualTo(attemptsBefore + 1);
        assertThat(s.getAttempts()).isEqualTo(start.number());
        assertThat(log.starts - log.uncountedFailures())
            .as("counted attempts started")
            .isLessThanOrEqualTo(maxAttempts);
        continue;
      }
      assertUnchangedOnSecondLook(run);
      if (d.action() instanceof WaitUntil wait) {
        assertThat(wait.when()).isAfter(now);
        assertThat(s.getPhase()).isEqualTo(TaskPhase.BackingOff);
        assertThat(Timestamps.parse(s.getNextAttemptAt())).isEqualTo(wait.when());
        AttemptRecord failed = log.records.get(s.getAttempts());
        assertThat(wait.when()).isAfterOrEqualTo(Timestamps.parse(failed.getFinishTime()));
        if (random.nextInt(4) == 0) {
          // an unrelated event wakes the reconciler up early: the schedule must not move
          run.at(now.plusMillis(random.nextLong(Duration.between(now, wait.when()).toMillis())));
          Decision early = run.decide();
          log.passes++;
          assertThat(early.action()).isEqualTo(wait);
          assertThat(early.events()).isEmpty();
        }
        run.at(wait.when());
      } else if (s.getPhase() == TaskPhase.Running) {
        run.after(Duration.ofSeconds(1 + random.nextInt(600)));
        int exitCode = nextExitCode.getAsInt();
        if (exitCode == 0) {
          run.succeed(s.getAttempts());
        } else {
          run.fail(s.getAttempts(), Tasks.exitCode(exitCode));
        }
      } else {
        assertThat(s.getPhase()).isIn(TaskPhase.Succeeded, TaskPhase.DeadLettered);
        log.ended = true;
        return log;
      }
    }
    return log;
  }

  private static void assertUnchangedOnSecondLook(TaskRun run) {
    Decision again = run.decideAgain();
    assertThat(again.status()).isEqualTo(run.status());
    assertThat(again.events()).isEmpty();
  }
}
