package dev.deadletter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.Tasks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TaskMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TaskMetrics metrics = new TaskMetrics(registry);

  @Test
  void countsEachFinishedAttemptOnceByOutcomeAndReason() {
    DeadLetterTaskStatus before = status(TaskPhase.Running, 1);
    DeadLetterTaskStatus after =
        status(TaskPhase.BackingOff, 1, failed(1, "OOMKilled", "12:00:10"));
    after.setNextAttemptAt("2026-11-28T12:00:20Z");

    metrics.record(
        before,
        new Decision(
            new Decision.Idle(), after, List.of(), Duration.ofSeconds(10), after.getHistory()),
        null);
    metrics.record(after, decision(after), null); // the same status seen again: nothing new

    assertThat(
            registry
                .counter("deadletter.attempts.finished", "outcome", "Failed", "reason", "OOMKilled")
                .count())
        .isEqualTo(1);
    assertThat(registry.timer("deadletter.retry.delay").totalTime(TimeUnit.SECONDS)).isEqualTo(10);
  }

  @Test
  void unknownReasonsAreReportedAsOtherToKeepLabelsBounded() {
    metrics.record(
        status(TaskPhase.Running, 1),
        recording(
            status(TaskPhase.BackingOff, 1, failed(1, "SomethingNobodyExpected", "12:00:10"))),
        null);

    assertThat(
            registry
                .counter("deadletter.attempts.finished", "outcome", "Failed", "reason", "Other")
                .count())
        .isEqualTo(1);
  }

  @Test
  void startedAttemptRecordsLatencyFromFailureAndLatenessFromDueTime() {
    DeadLetterTaskStatus before = status(TaskPhase.BackingOff, 1, failed(1, "Error", "12:00:10"));
    before.setNextAttemptAt("2026-11-28T12:00:20Z");
    DeadLetterTaskStatus after = status(TaskPhase.Running, 2, failed(1, "Error", "12:00:10"));

    metrics.record(before, decision(after), Instant.parse("2026-11-28T12:00:20.250Z"));

    assertThat(registry.counter("deadletter.attempts.started").count()).isEqualTo(1);
    assertThat(registry.timer("deadletter.retry.latency").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(10_250);
    assertThat(registry.timer("deadletter.attempt.start.lateness").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(250);
  }

  @Test
  void deadLetteringIsCountedOnTheTransitionOnlyByItsReason() {
    DeadLetterTaskStatus dead = status(TaskPhase.DeadLettered, 3, failed(3, "Error", "12:01:00"));
    dead.setDeadLetter(
        new DeadLetterRecord(
            DeadLetterReason.PoisonDetected, "2026-11-28T12:01:00Z", 3, "the same thrice"));
    metrics.record(status(TaskPhase.Running, 3), decision(dead), null);
    metrics.record(dead, decision(dead), null);

    assertThat(
            registry.counter("deadletter.tasks.dead.lettered", "reason", "PoisonDetected").count())
        .isEqualTo(1);
  }

  @Test
  void phaseGaugesCountTheCachedTasks() {
    metrics.readTasksFrom(
        () ->
            Stream.of(
                task(TaskPhase.Succeeded),
                task(TaskPhase.Succeeded),
                task(TaskPhase.DeadLettered),
                task(null)));

    assertThat(registry.get("deadletter.tasks").tag("phase", "Succeeded").gauge().value())
        .isEqualTo(2);
    assertThat(registry.get("deadletter.tasks").tag("phase", "DeadLettered").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get("deadletter.tasks").tag("phase", "Running").gauge().value()).isZero();
  }

  /** A decision that recorded nothing new. */
  private static Decision decision(DeadLetterTaskStatus status) {
    return new Decision(new Decision.Idle(), status, List.of());
  }

  /** A decision that recorded every attempt of its history for the first time. */
  private static Decision recording(DeadLetterTaskStatus status) {
    return new Decision(new Decision.Idle(), status, List.of(), null, status.getHistory());
  }

  private static DeadLetterTaskStatus status(
      TaskPhase phase, int attempts, AttemptRecord... history) {
    DeadLetterTaskStatus s = new DeadLetterTaskStatus();
    s.setPhase(phase);
    s.setAttempts(attempts);
    s.setHistory(new ArrayList<>(List.of(history)));
    return s;
  }

  private static AttemptRecord failed(int attempt, String reason, String finishedAt) {
    AttemptRecord r = new AttemptRecord();
    r.setAttempt(attempt);
    r.setOutcome(Outcome.Failed);
    r.setReason(reason);
    r.setFinishTime("2026-11-28T" + finishedAt + "Z");
    return r;
  }

  private static DeadLetterTask task(TaskPhase phase) {
    return Tasks.task().status(phase == null ? null : status(phase, 1)).build();
  }
}
