package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A retry a RetryBudget holds back: the task waits in BackingOff, spends nothing, and
 * maxRetryDuration does not count the wait.
 */
class BudgetHoldsTest {

  private static final Duration RUNTIME = Duration.ofSeconds(30);
  private static final Duration BACKOFF = Duration.ofSeconds(10);

  private static BudgetHold exhausted(int attempt, Instant now) {
    return new BudgetHold(
        attempt,
        BudgetHold.BUDGET_EXHAUSTED,
        "db",
        "the retries it allows per 1m are spent",
        now.plusSeconds(20));
  }

  /** Attempt 1 runs and fails; the clock is then where attempt 2 is due. */
  private static void failFirstAttempt(TaskRun run) {
    assertThat(run.decide().action()).isInstanceOf(StartAttempt.class);
    run.after(RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.after(BACKOFF);
  }

  @Test
  void aHeldRetryWaitsInBackingOffWithoutSpendingAnAttempt() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    failFirstAttempt(run);
    run.holdRetries(BudgetHoldsTest::exhausted);

    Decision held = run.decide();

    assertThat(held.action()).isEqualTo(new WaitUntil(Tasks.T0.plusSeconds(60)));
    assertThat(held.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(held.status().getAttempts()).isEqualTo(1);
    assertThat(held.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(held.status().getActiveJob()).isNull();
    assertThat(held.status().getNextAttemptAt()).isEqualTo("2030-01-01T00:01:00Z");
    assertThat(held.status().getMessage())
        .endsWith("attempt 2 waits for RetryBudget db: the retries it allows per 1m are spent");
    assertThat(Tasks.condition(held.status(), TaskConditions.RECONCILING).getReason())
        .isEqualTo(BudgetHold.BUDGET_EXHAUSTED);
    assertThat(Tasks.condition(held.status(), TaskConditions.STALLED).getStatus())
        .isEqualTo("False");
    assertThat(held.status().getRound().getBudgetWaitSince()).isEqualTo("2030-01-01T00:00:40Z");
    assertThat(held.events()).extracting(TaskEvent::reason).containsExactly("BudgetExhausted");

    Decision again = run.after(Duration.ofSeconds(20)).decide();
    assertThat(again.events()).as("one Event per hold, not per look").isEmpty();
    assertThat(again.status().getRound().getBudgetWaitSince())
        .as("the wait is measured from when it began")
        .isEqualTo("2030-01-01T00:00:40Z");

    run.holdRetries(null);
    Decision started = run.after(Duration.ofSeconds(25)).decide();
    assertThat(started.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(started.status().getRound().getBudgetWaitSince()).isNull();
    assertThat(started.status().getRound().getBudgetWait()).isEqualTo("45s");
  }

  @Test
  void aFirstAttemptIsNeverHeld() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3));
    run.holdRetries(BudgetHoldsTest::exhausted);

    assertThat(run.decide().action()).isEqualTo(new StartAttempt(1, null, null));
  }

  @Test
  void anOpenCircuitSaysSoAndWakesWhenItMayProbe() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    failFirstAttempt(run);
    Instant until = Tasks.T0.plusSeconds(100);
    run.holdRetries(
        (attempt, now) ->
            new BudgetHold(
                attempt,
                BudgetHold.CIRCUIT_OPEN,
                "db",
                "circuit db is open until 2030-01-01T00:01:40Z",
                until));

    Decision held = run.decide();

    assertThat(held.action()).isEqualTo(new WaitUntil(until));
    assertThat(Tasks.condition(held.status(), TaskConditions.RECONCILING).getReason())
        .isEqualTo("CircuitOpen");
    assertThat(held.events()).extracting(TaskEvent::reason).containsExactly("CircuitOpen");
  }

  @Test
  void maxRetryDurationDoesNotCountTheTimeABudgetHeldTheRetryBack() {
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(5).backoff("10s", 1, "10s", 0).maxRetryDuration("2m"));
    failFirstAttempt(run); // the round started at T0; its 2m end at 00:02:00
    run.holdRetries(BudgetHoldsTest::exhausted);
    run.decide();
    run.after(Duration.ofMinutes(10)).decide(); // still held at 00:10:40

    run.holdRetries(null);
    Decision late = run.after(Duration.ofSeconds(1)).decide();

    assertThat(late.action())
        .as("10 minutes past the round's 2m, but the budget held it: it starts")
        .isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(late.status().getRound().getBudgetWait()).isEqualTo("10m1s");

    // What is left of the 2m is still enforced: 40s were spent before the hold.
    run.after(RUNTIME).fail(2, exitCode(1));
    run.decide();
    run.after(BACKOFF);
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(3, 1, "Error"));
    run.after(Duration.ofSeconds(40)).fail(3, exitCode(1));
    Decision over = run.decide();
    assertThat(over.status().getPhase())
        .as("40s + 30s + 10s + 40s + 10s: the retry after attempt 3 would start 10s past the 2m")
        .isEqualTo(TaskPhase.DeadLettered);
    assertThat(over.status().getDeadLetter().getReason().name()).isEqualTo("RetryDurationExceeded");
  }

  @Test
  void withoutTheBudgetTheSameLateStartIsTooLate() {
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(5).backoff("10s", 1, "10s", 0).maxRetryDuration("2m"));
    failFirstAttempt(run);
    // The operator was down for the same 10 minutes: that wait counts.
    Decision late = run.after(Duration.ofMinutes(10)).decide();

    assertThat(late.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
  }

  @Test
  void aSuspendEndsTheBudgetWait() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    failFirstAttempt(run);
    run.holdRetries(BudgetHoldsTest::exhausted);
    run.decide();

    run.edit(spec -> spec.setSuspend(true));
    Decision suspended = run.after(Duration.ofSeconds(30)).decide();

    assertThat(suspended.status().getPhase()).isEqualTo(TaskPhase.Suspended);
    assertThat(suspended.status().getRound().getBudgetWaitSince()).isNull();
    assertThat(suspended.status().getRound().getBudgetWait()).isEqualTo("30s");
  }

  // --- spec edits while a budget holds the retry ---

  @Test
  void maxAttemptsLoweredDuringAHoldToTheAttemptsMadeDeadLettersTheTask() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    failFirstAttempt(run);
    run.holdRetries(BudgetHoldsTest::exhausted);
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.BackingOff);

    run.edit(spec -> spec.getRetryPolicy().setMaxAttempts(1));
    Decision edited = run.after(Duration.ofSeconds(5)).decide();

    assertThat(edited.action()).isEqualTo(new Idle());
    assertThat(edited.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(edited.status().getDeadLetter().getReason().name()).isEqualTo("RetriesExhausted");
    assertThat(edited.status().getNextAttemptAt()).isNull();
    assertThat(edited.status().getRound().getBudgetWaitSince())
        .as("no longer waiting for the budget")
        .isNull();
    assertThat(edited.status().getRound().getBudgetWait()).isEqualTo("5s");
    assertThat(edited.events()).extracting(TaskEvent::reason).containsExactly("DeadLettered");

    // The budget lets retries through again (deleted, raised): the dead letter stays.
    run.holdRetries(null);
    Decision later = run.after(Duration.ofMinutes(10)).decide();
    assertThat(later.action()).isEqualTo(new Idle());
    assertThat(later.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(run.creates()).as("the held retry never started").containsOnlyKeys(1);
  }

  @Test
  void aBackoffRaisedDuringAHoldWaitsTheNewBackoffAndEndsTheBudgetWait() {
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(5).backoff("10s", 1, "10m", 0).maxRetryDuration("3m"));
    failFirstAttempt(run); // attempt 1 failed at 00:00:30
    run.holdRetries(BudgetHoldsTest::exhausted);
    run.decide(); // held since 00:00:40

    run.edit(spec -> spec.getRetryPolicy().getBackoff().setInitialDelay("1m"));
    Decision edited = run.after(Duration.ofSeconds(10)).decide();

    assertThat(edited.action())
        .as("the failure at 00:00:30 plus the new 1m")
        .isEqualTo(new WaitUntil(Tasks.T0.plusSeconds(90)));
    assertThat(edited.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(edited.status().getNextAttemptAt()).isEqualTo("2030-01-01T00:01:30Z");
    assertThat(edited.status().getMessage()).endsWith("attempt 2 starts at 2030-01-01T00:01:30Z");
    assertThat(Tasks.condition(edited.status(), TaskConditions.RECONCILING).getReason())
        .isNotEqualTo(BudgetHold.BUDGET_EXHAUSTED);
    assertThat(edited.status().getRound().getBudgetWaitSince())
        .as("backing off is the task's own wait, not the budget's")
        .isNull();
    assertThat(edited.status().getRound().getBudgetWait()).isEqualTo("10s");

    run.holdRetries(null);
    assertThat(run.at(Tasks.T0.plusSeconds(90)).decide().action())
        .isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(run.status().getRound().getBudgetWait()).isEqualTo("10s");

    // maxRetryDuration 3m leaves out the 10s the budget held the retry, not the backoff after.
    run.after(Duration.ofSeconds(45)).fail(2, exitCode(1)); // at 00:02:15
    Decision over = run.decide();
    assertThat(over.status().getPhase())
        .as("attempt 3 would start at 00:03:15, after 00:03:00 + 10s")
        .isEqualTo(TaskPhase.DeadLettered);
    assertThat(over.status().getDeadLetter().getReason().name()).isEqualTo("RetryDurationExceeded");
  }

  @Test
  void aTaskSuspendedDuringAHoldWaitsForTheBudgetAgainWhenResumed() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    failFirstAttempt(run);
    run.holdRetries(BudgetHoldsTest::exhausted);
    run.decide(); // held since 00:00:40

    run.edit(spec -> spec.setSuspend(true));
    Decision suspended = run.after(Duration.ofSeconds(10)).decide();
    assertThat(suspended.action()).isEqualTo(new Idle());
    assertThat(suspended.status().getPhase()).isEqualTo(TaskPhase.Suspended);

    run.edit(spec -> spec.setSuspend(false));
    Decision resumed = run.after(Duration.ofMinutes(5)).decide(); // at 00:05:50
    assertThat(resumed.action())
        .as("the budget still holds: the retry is not started behind its back")
        .isEqualTo(new WaitUntil(run.now().plusSeconds(20)));
    assertThat(resumed.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(resumed.status().getMessage()).contains("attempt 2 waits for RetryBudget db");
    assertThat(resumed.status().getRound().getBudgetWaitSince()).isEqualTo("2030-01-01T00:05:50Z");
    assertThat(resumed.events()).extracting(TaskEvent::reason).containsExactly("BudgetExhausted");

    run.holdRetries(null);
    assertThat(run.after(Duration.ofSeconds(20)).decide().action())
        .isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(run.status().getRound().getBudgetWait())
        .as("10s before the suspend and 20s after it; not the 5m suspended")
        .isEqualTo("30s");
  }
}
