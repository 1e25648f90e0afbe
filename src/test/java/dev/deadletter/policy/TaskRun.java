package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.testing.TaskBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

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

  /** Jobs the cache does not show yet; the reconciler still reads the latest one from the API. */
  private Set<Integer> lagging = Set.of();

  /** Jobs a pass has seen: a cache that has shown a Job goes on showing it. */
  private final Set<Integer> shown = new HashSet<>();

  private boolean loseNextStatusWrite;

  /** How far the control plane's clock (Job creation and condition times) is ahead of ours. */
  private Duration controlPlaneSkew = Duration.ZERO;

  /** Creates the API server accepted, by attempt number: a second one would be a second Job. */
  private final Map<Integer, Integer> creates = new TreeMap<>();

  private Observation lastObservation = Observation.of(Map.of());

  /** What passes see of the retry gates' objects, by Kind/name. */
  private final Map<String, GateState> gates = new HashMap<>();

  private boolean lastStartFoundItsJob;

  private java.util.function.BiFunction<Integer, Instant, BudgetHold> budgetHold;

  TaskRun(DeadLetterTask task, Instant start) {
    this.task = task;
    this.now = start;
  }

  static TaskRun of(TaskBuilder task) {
    return new TaskRun(task.build(), Tasks.T0);
  }

  /**
   * One reconcile pass: decide, create the Job if asked to (or, while creates are refused, decide
   * again with the refusal, as the reconciler does), write the status (unless a crash loses it). A
   * create of a Job that already exists (AlreadyExists, ours: an earlier pass created it and its
   * status write was lost) goes on as a create, as the reconciler's does.
   */
  Decision decide() {
    Observation observation = Observation.of(visibleJobs()).withGates(gates);
    lastObservation = observation;
    shown.addAll(observation.attempts().keySet());
    lastStartFoundItsJob = false;
    Decision decision = RetryDecider.decide(task, observation, now);
    if (budgetHold != null && decision.startsRetry()) {
      int number = ((StartAttempt) decision.action()).number();
      decision = RetryDecider.decide(task, observation.held(budgetHold.apply(number, now)), now);
    }
    if (decision.action() instanceof StartAttempt start) {
      if (refusalReason != null) {
        decision =
            RetryDecider.decide(
                task, observation.refused(start.number(), refusalReason, refusalMessage), now);
      } else if (jobs.containsKey(start.number())) {
        lastStartFoundItsJob = true;
      } else {
        jobs.put(start.number(), Tasks.running(start.number(), now.plus(controlPlaneSkew)));
        creates.merge(start.number(), 1, Integer::sum);
      }
    }
    if (loseNextStatusWrite) {
      loseNextStatusWrite = false;
    } else {
      task.setStatus(decision.status());
    }
    return decision;
  }

  /** The Jobs a pass sees: the cache's, and the latest attempt's read from the API if missing. */
  private Map<Integer, ObservedAttempt> visibleJobs() {
    int latest = task.getStatus() == null ? 0 : task.getStatus().getAttempts();
    Map<Integer, ObservedAttempt> visible = new TreeMap<>(jobs);
    visible.keySet().removeIf(n -> n != latest && lagging.contains(n) && !shown.contains(n));
    return visible;
  }

  /**
   * From now on the Job cache lags: it does not show these attempts' Jobs if no pass has seen them
   * yet (and a pass still reads the Job of the status's latest attempt from the API server when the
   * cache misses it).
   */
  void lagging(Set<Integer> attempts) {
    lagging = Set.copyOf(attempts);
  }

  /** The next pass's status write fails (a crash, a conflict): its Job create, if any, stays. */
  void loseNextStatusWrite() {
    loseNextStatusWrite = true;
  }

  /** From now on the control plane's clock runs this far ahead of the operator's (or behind). */
  void controlPlaneSkew(Duration skew) {
    controlPlaneSkew = skew;
  }

  /** A spec edit: the API server bumps metadata.generation. */
  void edit(Consumer<DeadLetterTaskSpec> edit) {
    edit.accept(task.getSpec());
    Long generation = task.getMetadata().getGeneration();
    task.getMetadata().setGeneration(generation == null ? 1 : generation + 1);
  }

  /**
   * Deletes finished Jobs beyond the history limits, as the reconciler does after writing the
   * status: from what the last pass observed and the status as now written.
   */
  void pruneHistory(int keepSucceeded, int keepFailed) {
    Set<String> delete =
        Set.copyOf(
            HistoryRetention.jobsToDelete(
                lastObservation.attempts().values(), task.getStatus(), keepSucceeded, keepFailed));
    jobs.values().removeIf(job -> delete.contains(job.jobName()));
  }

  /**
   * From now on the API server refuses every attempt Job (a quota, a webhook), or, with null, no
   * longer.
   */
  void refuseCreates(String reason, String message) {
    refusalReason = reason;
    refusalMessage = message;
  }

  /** A second look at the same world (the same cache lag included), with no side effects. */
  Decision decideAgain() {
    return RetryDecider.decide(task, visibleJobs(), now);
  }

  /**
   * From now on a retry budget holds back every retry (as the reconciler's ledger would), or, with
   * null, no longer: the hold for an attempt number at a time.
   */
  void holdRetries(java.util.function.BiFunction<Integer, Instant, BudgetHold> hold) {
    budgetHold = hold;
  }

  /** From now on passes see the gate {@code key} (Kind/name) in this state. */
  void gate(String key, GateState state) {
    gates.put(key, state);
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
    jobs.put(attempt, Tasks.failed(attempt, startOf(attempt), now.plus(controlPlaneSkew), failure));
  }

  void succeed(int attempt) {
    jobs.put(attempt, Tasks.succeeded(attempt, startOf(attempt), now.plus(controlPlaneSkew)));
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

  /** What the last {@link #decide()} observed (before its create). */
  Observation lastObservation() {
    return lastObservation;
  }

  /** Whether the last pass's create found its Job already there (AlreadyExists, ours). */
  boolean lastStartFoundItsJob() {
    return lastStartFoundItsJob;
  }

  /** Accepted creates by attempt number. */
  Map<Integer, Integer> creates() {
    return Map.copyOf(creates);
  }

  boolean refusingCreates() {
    return refusalReason != null;
  }

  Instant now() {
    return now;
  }
}
