package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Runs the decider through random policies and random attempt outcomes, the way the reconciler
 * would, and checks what must hold whatever happens.
 */
class RetryDeciderPropertiesTest {

  /**
   * Far more passes than any generated run needs: a run that is still going then would never end.
   */
  private static final int MAX_PASSES = 1_000;

  @Property(tries = 300)
  void everyRunKeepsTheRetryInvariantsAndEnds(
      @ForAll @IntRange(min = 1, max = 10) int maxAttempts,
      @ForAll("exitCodeRules") List<RetryRule> rules,
      @ForAll @DoubleRange(min = 0, max = 1) double jitter,
      @ForAll("outcomes") List<Integer> exitCodes,
      @ForAll Random random) {
    // exit code 0 is a success; once the generated outcomes run out, the next attempt succeeds
    Deque<Integer> outcomes = new ArrayDeque<>(exitCodes);
    TaskRun run = new TaskRun(task(maxAttempts, rules, jitter), Tasks.T0);

    RunLog log = simulate(run, () -> outcomes.isEmpty() ? 0 : outcomes.poll(), random);

    assertThat(log.ended).as("the run ended").isTrue();
    DeadLetterTaskStatus end = run.status();
    assertThat(end.getPhase()).isIn(TaskPhase.Succeeded, TaskPhase.DeadLettered);
    AttemptRecord last = log.records.get(end.getAttempts());
    if (end.getPhase() == TaskPhase.Succeeded) {
      assertThat(last.getOutcome()).isEqualTo(AttemptRecord.Outcome.Succeeded);
    } else {
      assertThat(
              last.getAction() == RetryAction.DeadLetter || end.getCountedAttempts() == maxAttempts)
          .as("dead-lettered by a DeadLetter rule or by exhaustion: %s", end.getMessage())
          .isTrue();
    }
  }

  @Property(tries = 200)
  void failuresThatAllCountEndDeadLetteredWithinMaxAttempts(
      @ForAll @IntRange(min = 1, max = 10) int maxAttempts,
      @ForAll("countingRules") List<RetryRule> rules,
      @ForAll @DoubleRange(min = 0, max = 1) double jitter,
      @ForAll Random random) {
    TaskRun run = new TaskRun(task(maxAttempts, rules, jitter), Tasks.T0);

    RunLog log = simulate(run, () -> 1 + random.nextInt(4), random);

    assertThat(log.ended).isTrue();
    assertThat(run.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(log.starts).isBetween(1, maxAttempts);
    // start, end and one backoff wait per attempt, plus the occasional early look
    assertThat(log.passes).isLessThanOrEqualTo(6 * maxAttempts + 2);
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

      assertThat(s.getCountedAttempts()).isBetween(0, maxAttempts);
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

  private static DeadLetterTask task(int maxAttempts, List<RetryRule> rules, double jitter) {
    return Tasks.task()
        .maxAttempts(maxAttempts)
        .backoff("10s", 2, "5m", jitter)
        .rules(rules.toArray(RetryRule[]::new))
        .build();
  }

  @Provide
  Arbitrary<List<RetryRule>> exitCodeRules() {
    return rulesWith(Arbitraries.of(RetryAction.class));
  }

  @Provide
  Arbitrary<List<RetryRule>> countingRules() {
    return rulesWith(Arbitraries.of(RetryAction.Retry, RetryAction.DeadLetter));
  }

  private static Arbitrary<List<RetryRule>> rulesWith(Arbitrary<RetryAction> actions) {
    Arbitrary<Integer> codes = Arbitraries.integers().between(1, 4);
    Arbitrary<RetryRule> rule =
        actions.flatMap(
            action ->
                codes
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(3)
                    .map(c -> Tasks.onExitCodes(action, In, c.toArray(Integer[]::new))));
    return rule.list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Integer>> outcomes() {
    return Arbitraries.integers().between(0, 4).list().ofMaxSize(30);
  }
}
