package dev.deadletter.metrics;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.Timestamps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Domain metrics, derived from what a pass decided and from the status before it, so they count
 * each transition once even when a pass is repeated.
 */
public class TaskMetrics {

  /**
   * Failure reasons used as label values; anything else is reported as Other, keeping the label
   * bounded.
   */
  static final Set<String> KNOWN_REASONS =
      Set.of(
          "Error",
          "OOMKilled",
          "Evicted",
          "DeadlineExceeded",
          "BackoffLimitExceeded",
          "JobDeleted",
          "PodFailurePolicy",
          "ContainerCannotRun",
          "StartError",
          "Preempted",
          "Failed");

  private final MeterRegistry registry;
  private final Counter started;
  private final Timer retryDelay;
  private final Timer retryLatency;
  private final Timer startLateness;
  private final AtomicReference<Supplier<Stream<DeadLetterTask>>> tasks =
      new AtomicReference<>(Stream::empty);

  public TaskMetrics(MeterRegistry registry) {
    this.registry = registry;
    started =
        Counter.builder("deadletter.attempts.started")
            .description("Attempt Jobs created")
            .register(registry);
    retryDelay =
        Timer.builder("deadletter.retry.delay")
            .description("Backoff chosen before a retry, jitter included")
            .publishPercentileHistogram()
            .register(registry);
    retryLatency =
        Timer.builder("deadletter.retry.latency")
            .description(
                "From an attempt's failure (its Job's Failed condition) to the next attempt's Job creation")
            .publishPercentileHistogram()
            .register(registry);
    startLateness =
        Timer.builder("deadletter.attempt.start.lateness")
            .description(
                "From the time an attempt was due (status.nextAttemptAt) to its Job's creation:"
                    + " the operator's own overhead")
            .publishPercentileHistogram()
            .register(registry);
    for (TaskPhase phase : TaskPhase.values()) {
      Gauge.builder("deadletter.tasks", () -> count(phase))
          .tag("phase", phase.name())
          .description("Tasks by phase, from the operator's cache")
          .register(registry);
    }
    // Every reason from the start, at 0: an alert on increase() needs the series before the first.
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      deadLettered(reason);
    }
  }

  /**
   * Where the phase gauges read the tasks from: the controller's cache, known once it reconciled.
   */
  public void readTasksFrom(Supplier<Stream<DeadLetterTask>> cache) {
    tasks.set(cache);
  }

  /**
   * @param previous the status the pass started from
   * @param createdAt when the pass created an attempt Job, or null
   */
  public void record(DeadLetterTaskStatus previous, Decision decision, Instant createdAt) {
    DeadLetterTaskStatus before = previous == null ? new DeadLetterTaskStatus() : previous;
    DeadLetterTaskStatus after = decision.status();
    decision.recorded().forEach(this::finished);
    if (after.getDeadLetter() != null && !after.getDeadLetter().equals(before.getDeadLetter())) {
      deadLettered(after.getDeadLetter().getReason()).increment();
    }
    if (decision.chosenDelay() != null) {
      retryDelay.record(decision.chosenDelay());
    }
    if (createdAt != null) {
      started.increment();
      AttemptRecord last =
          after.getHistory().isEmpty()
              ? null
              : after.getHistory().get(after.getHistory().size() - 1);
      if (last != null
          && last.getFinishTime() != null
          && last.getAttempt() == after.getAttempts() - 1) {
        record(retryLatency, Timestamps.parse(last.getFinishTime()), createdAt);
      }
      if (before.getNextAttemptAt() != null) {
        record(startLateness, Timestamps.parse(before.getNextAttemptAt()), createdAt);
      }
    }
  }

  /** An attempt Job was created with rules[].mutate applied (more memory, other nodes...). */
  public void attemptMutated() {
    Counter.builder("deadletter.attempts.mutated")
        .description("Attempt Jobs created with changes from rules[].mutate")
        .register(registry)
        .increment();
  }

  /**
   * A RetryBudget held a retry back (BudgetExhausted or CircuitOpen); each look again counts, so
   * the rate shows how hard the tasks press against it.
   */
  public void retryHeld(String namespace, String budget, String reason) {
    Counter.builder("deadletter.budget.holds")
        .description("Retries a RetryBudget held back, each look again counted")
        .tags("namespace", namespace, "budget", budget, "reason", reason)
        .register(registry)
        .increment();
  }

  private Counter deadLettered(DeadLetterReason reason) {
    return Counter.builder("deadletter.tasks.dead.lettered")
        .description("Transitions of tasks to DeadLettered, by status.deadLetter.reason")
        .tag("reason", String.valueOf(reason))
        .register(registry);
  }

  private void finished(AttemptRecord r) {
    String reason = r.getOutcome() == AttemptRecord.Outcome.Succeeded ? "" : bounded(r.getReason());
    Counter.builder("deadletter.attempts.finished")
        .description("Attempts that ended, by outcome and reason")
        .tag("outcome", r.getOutcome().name())
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  static String bounded(String reason) {
    return reason != null && KNOWN_REASONS.contains(reason) ? reason : "Other";
  }

  private static void record(Timer timer, Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    timer.record(d.isNegative() ? Duration.ZERO : d);
  }

  private double count(TaskPhase phase) {
    return tasks
        .get()
        .get()
        .filter(t -> t.getStatus() != null && t.getStatus().getPhase() == phase)
        .count();
  }
}
