package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.api.v1alpha1.RetryGate.GateCondition;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** retryPolicy.gates: a retry waits until its dependencies are back, spending no attempt. */
class RetryGatesTest {

  private static final String DB = "Deployment/db";
  private static final Duration RUNTIME = Duration.ofSeconds(30);
  private static final Duration BACKOFF = Duration.ofSeconds(10);

  private static RetryGate db() {
    return new RetryGate("apps/v1", "Deployment", "db", new GateCondition("Available"));
  }

  private static TaskRun gatedOn(RetryGate... gates) {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    run.task().getSpec().getRetryPolicy().setGates(List.of(gates));
    return run;
  }

  /** Attempt 1 runs and fails; the clock is then where attempt 2 is due. */
  private static void failFirstAttempt(TaskRun run) {
    assertThat(run.decide().action()).isInstanceOf(StartAttempt.class);
    run.after(RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.after(BACKOFF);
  }

  @Test
  void aClosedGateHoldsTheRetryWithoutSpendingAnAttempt() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.closed("condition Available is False (MinimumReplicasUnavailable)"));
    failFirstAttempt(run);

    Decision waiting = run.decide();

    assertThat(waiting.action()).isInstanceOf(WaitUntil.class);
    assertThat(waiting.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(waiting.status().getAttempts()).isEqualTo(1);
    assertThat(waiting.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(waiting.status().getNextAttemptAt()).isNull();
    assertThat(waiting.status().getMessage())
        .endsWith(
            "attempt 2 waits for Deployment/db Available=True: condition Available is False"
                + " (MinimumReplicasUnavailable)");
    assertThat(Tasks.condition(waiting.status(), TaskConditions.RECONCILING).getReason())
        .isEqualTo(RetryDecider.WAITING_FOR_GATE);
    assertThat(Tasks.condition(waiting.status(), TaskConditions.STALLED).getStatus())
        .isEqualTo("False");
    assertThat(waiting.events())
        .extracting(TaskEvent::reason)
        .containsExactly(TaskEvent.WAITING_FOR_GATE);

    run.gate(DB, GateState.closed("it has no condition Available yet"));
    Decision later = run.after(Duration.ofHours(3)).decide();
    assertThat(later.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(later.status().getMessage()).endsWith("it has no condition Available yet");
    assertThat(later.events()).as("one Event for one wait").isEmpty();
    assertThat(((WaitUntil) later.action()).when())
        .isBeforeOrEqualTo(Instant.parse("2030-01-01T03:00:40Z").plus(RetryDecider.GATE_RECHECK));

    run.gate(DB, GateState.HOLDING);
    Decision back = run.after(Duration.ofSeconds(1)).decide();
    assertThat(back.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(Tasks.condition(back.status(), TaskConditions.RECONCILING).getReason())
        .isEqualTo("Running");
  }

  @Test
  void aGateThatHoldsWhenTheRetryIsDueDoesNotDelayIt() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.HOLDING);
    failFirstAttempt(run);

    Decision due = run.decide();

    assertThat(due.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(due.events())
        .extracting(TaskEvent::reason)
        .doesNotContain(TaskEvent.WAITING_FOR_GATE);
  }

  @Test
  void theFirstAttemptOfARoundDoesNotWait() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.closed("not found"));

    assertThat(run.decide().action()).isEqualTo(new StartAttempt(1, null, null));
  }

  @Test
  void aGateClosedLongerThanItsMaxWaitDeadLettersTheTask() {
    TaskRun run = gatedOn(db().withMaxWait("5m"));
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);
    Instant due = Instant.parse("2030-01-01T00:00:40Z");

    Decision waiting = run.decide();
    assertThat(((WaitUntil) waiting.action()).when())
        .isEqualTo(due.plus(RetryDecider.GATE_RECHECK));
    Decision lastMinute = run.at(due.plus(Duration.ofMinutes(4)).plusSeconds(30)).decide();
    assertThat(((WaitUntil) lastMinute.action()).when())
        .as("wakes up when the wait runs out")
        .isEqualTo(due.plus(Duration.ofMinutes(5)));

    Decision timedOut = run.at(due.plus(Duration.ofMinutes(5))).decide();

    assertThat(timedOut.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(timedOut.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.GateTimeout);
    assertThat(timedOut.status().getDeadLetter().getMessage())
        .startsWith("attempt 2 waited 5m0s (maxWait) for Deployment/db Available=True: not found");
    assertThat(timedOut.status().getAttempts()).isEqualTo(1);
    assertThat(Tasks.condition(timedOut.status(), TaskConditions.DEAD_LETTERED).getReason())
        .isEqualTo("GateTimeout");
  }

  @Test
  void maxRetryDurationStillBoundsAWaitOnAGate() {
    TaskRun run = gatedOn(db());
    run.task().getSpec().getRetryPolicy().setMaxRetryDuration("10m");
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);

    run.decide();
    Decision late = run.at(Instant.parse("2030-01-01T00:10:01Z")).decide();

    assertThat(late.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(late.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetryDurationExceeded);
  }

  @Test
  void aWaitOnAGateWakesUpForTheRetryDeadline() {
    TaskRun run = gatedOn(db());
    run.task().getSpec().getRetryPolicy().setMaxRetryDuration("90s");
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);

    Decision waiting = run.decide();

    assertThat(((WaitUntil) waiting.action()).when())
        .isEqualTo(Instant.parse("2030-01-01T00:01:30.001Z"));
  }

  @Test
  void aRetryRequestDoesNotWaitForGates() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);
    run.decide();
    run.requestRetry("2030-01-01T00:01:00Z");

    Decision now = run.after(Duration.ofSeconds(30)).decide();

    assertThat(now.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
  }

  @Test
  void everyGateMustHold() {
    RetryGate cache = new RetryGate("apps/v1", "StatefulSet", "cache", new GateCondition("Ready"));
    TaskRun run = gatedOn(db(), cache);
    run.gate(DB, GateState.HOLDING);
    run.gate("StatefulSet/cache", GateState.closed("it has no condition Ready yet"));
    failFirstAttempt(run);

    Decision waiting = run.decide();

    assertThat(waiting.status().getMessage())
        .endsWith("waits for StatefulSet/cache Ready=True: it has no condition Ready yet");
    run.gate("StatefulSet/cache", GateState.HOLDING);
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(2, 1, "Error"));
  }

  @Test
  void aGateOnAKindTheOperatorDoesNotWatchStallsTheTaskBeforeAnyAttempt() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.notAllowed("retryPolicy.gates: apps/v1/Deployment is not a kind..."));

    Decision stalled = run.decide();

    assertThat(stalled.action()).isInstanceOf(WaitUntil.class);
    assertThat(stalled.status().getAttempts()).isZero();
    assertThat(Tasks.condition(stalled.status(), TaskConditions.STALLED).getStatus())
        .isEqualTo("True");
    assertThat(Tasks.condition(stalled.status(), TaskConditions.STALLED).getReason())
        .isEqualTo("GateNotAllowed");
    assertThat(stalled.status().getMessage()).startsWith("retryPolicy.gates: apps/v1/Deployment");
  }

  @Test
  void aSpecEditThatRemovesTheGateStartsTheWaitingRetry() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.BackingOff);

    run.edit(spec -> spec.getRetryPolicy().setGates(null));

    assertThat(run.after(Duration.ofSeconds(1)).decide().action())
        .isEqualTo(new StartAttempt(2, 1, "Error"));
  }

  @Test
  void aMaxWaitRaisedWhileWaitingExtendsTheWait() {
    TaskRun run = gatedOn(db().withMaxWait("5m"));
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);
    run.decide();

    run.edit(spec -> spec.getRetryPolicy().getGates().get(0).setMaxWait("1h"));
    Decision sixMinutesLater = run.after(Duration.ofMinutes(6)).decide();

    assertThat(sixMinutesLater.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(sixMinutesLater.status().getDeadLetter()).isNull();
  }

  @Test
  void aSuspendWhileWaitingKeepsTheRoundAndResumeStartsTheRetryOnceTheGateHolds() {
    TaskRun run = gatedOn(db());
    run.gate(DB, GateState.closed("not found"));
    failFirstAttempt(run);
    run.decide();

    run.edit(spec -> spec.setSuspend(true));
    Decision suspended = run.after(Duration.ofMinutes(30)).decide();
    assertThat(suspended.status().getPhase()).isEqualTo(TaskPhase.Suspended);
    assertThat(suspended.status().getAttempts()).isEqualTo(1);

    run.edit(spec -> spec.setSuspend(false));
    assertThat(run.after(Duration.ofMinutes(30)).decide().status().getPhase())
        .as("resumed past the due time, the gate still closed")
        .isEqualTo(TaskPhase.BackingOff);
    run.gate(DB, GateState.HOLDING);
    assertThat(run.after(Duration.ofSeconds(1)).decide().action())
        .isEqualTo(new StartAttempt(2, 1, "Error"));
  }
}
