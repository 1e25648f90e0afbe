package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.testing.TaskBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drives {@link RetryDecider} the way the reconciler does, without a cluster: each {@link
 * #decide()} writes the decided status back onto the task and "creates" the started attempt Job;
 * the test moves the clock and ends attempts.
 */
final class TaskRun {

  private final DeadLetterTask task;
  private final Map<Integer, ObservedAttempt> jobs = new TreeMap<>();
  private Instant now;
  private String refusalReason;
  private String refusalMessage;

  TaskRun(DeadLetterTask task, Instant start) {
    this.task = task;
    this.now = start;
  }

  static TaskRun of(TaskBuilder task) {
    return new TaskRun(task.build(), Tasks.T0);
  }

  /**
   * One reconcile pass: decide, create the Job if asked to (or, while creates are refused, decide
   * again with the refusal, as the reconciler does), write the status.
   */
  Decision decide() {
    Observation observation = Observation.of(jobs);
    Decision decision = RetryDecider.decide(task, observation, now);
    if (decision.action() instanceof StartAttempt start) {
      if (refusalReason != null) {
        decision =
            RetryDecider.decide(
                task, observation.refused(start.number(), refusalReason, refusalMessage), now);
      } else {
        jobs.put(start.number(), Tasks.running(start.number(), now));
      }
    }
    task.setStatus(decision.status());
    return decision;
  }

  /**
   * From now on the API server refuses every attempt Job (a quota, a webhook), or, with null, no
   * longer.
   */
  void refuseCreates(String reason, String message) {
    refusalReason = reason;
    refusalMessage = message;
  }

  /** A second look at the same world, with no side effects. */
  Decision decideAgain() {
    return RetryDecider.decide(task, Map.copyOf(jobs), now);
  }

  TaskRun after(Duration elapsed) {
    now = now.plus(elapsed);
    return this;
  }

  TaskRun at(Instant instant) {
    now = instant;
    return this;
  }

  /** The running attempt Job ends now with this failure. */
  void fail(int attempt, FailureDetails failure) {
    jobs.put(attempt, Tasks.failed(attempt, startOf(attempt), now, failure));
  }

  void succeed(int attempt) {
    jobs.put(attempt, Tasks.succeeded(attempt, startOf(attempt), now));
  }

  /** The running attempt makes no progress, for this reason (or again progresses, for null). */
  void block(int attempt, String reason) {
    jobs.put(attempt, jobs.get(attempt).blocked(reason));
  }

  /** Someone deleted the Job (or history retention did). */
  void deleteJob(int attempt) {
    jobs.remove(attempt);
  }

  void requestRetry(String value) {
    Map<String, String> annotations = new HashMap<>();
    if (task.getMetadata().getAnnotations() != null) {
      annotations.putAll(task.getMetadata().getAnnotations());
    }
    annotations.put(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, value);
    task.getMetadata().setAnnotations(annotations);
  }

  void suspend(boolean suspend) {
    task.getSpec().setSuspend(suspend);
  }

  private Instant startOf(int attempt) {
    ObservedAttempt job = jobs.get(attempt);
    if (job == null) {
      throw new IllegalStateException("attempt " + attempt + " was never started");
    }
    return job.startTime();
  }

  DeadLetterTask task() {
    return task;
  }

  DeadLetterTaskStatus status() {
    return task.getStatus();
  }

  Map<Integer, ObservedAttempt> jobs() {
    return Map.copyOf(jobs);
  }

  Instant now() {
    return now;
  }
}
