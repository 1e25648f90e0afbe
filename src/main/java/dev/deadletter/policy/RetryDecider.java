package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.api.v1alpha1.TaskSource;
import dev.deadletter.policy.Decision.Action;
import dev.deadletter.policy.Decision.DeleteTask;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The retry decision: a pure function of the task (spec, previous status, annotations), the attempt
 * Jobs observed now, and the clock.
 *
 * <p>The previous status is the record of attempts whose Jobs may be gone (history limits,
 * deletion); the observed Jobs are the truth about attempts the status has not caught up with. In
 * particular, an attempt Job that exists but is not yet in status was created by a pass that died
 * before its status write: it is adopted and counted, never created again.
 */
public final class RetryDecider {

  private RetryDecider() {}

  /**
   * @param attempts the task's own attempt Jobs by attempt number; the latest attempt must be
   *     present if its Job exists (the caller confirms a cache miss with the API before calling)
   */
  public static Decision decide(
      DeadLetterTask task, Map<Integer, ObservedAttempt> attempts, Instant now) {
    EffectivePolicy policy;
    try {
      policy = EffectivePolicy.of(task.getSpec());
    } catch (IllegalArgumentException e) {
      return stalled(task, "InvalidSpec", e.getMessage(), now);
    }
    return new Pass(task, policy, attempts, now).decide();
  }

  /**
   * The status for a task that cannot run at all for a reason the spec shows (it does not parse):
   * phase unchanged, Stalled=True with the message, and a slow look again.
   */
  public static Decision stalled(DeadLetterTask task, String reason, String message, Instant now) {
    DeadLetterTaskStatus previous = previousStatus(task);
    return stall(task, copy(previous), reason, message, List.of(), now);
  }

  /**
   * The decision to start an attempt, undone because the API server refused the Job (the template
   * is invalid, a quota or policy forbids it, or the name belongs to another owner). What the
   * decision recorded about earlier attempts is kept; the start, and a retry request it consumed,
   * are not.
   */
  public static Decision startRefused(
      DeadLetterTask task, Decision decision, String reason, String message, Instant now) {
    if (!(decision.action() instanceof StartAttempt start)) {
      throw new IllegalArgumentException("not a start: " + decision.action());
    }
    DeadLetterTaskStatus previous = previousStatus(task);
    DeadLetterTaskStatus status = copy(decision.status());
    status.setAttempts(start.number() - 1);
    status.setCountedAttempts(Math.max(0, status.getCountedAttempts() - 1));
    status.setRoundStartedAt(previous.getRoundStartedAt());
    status.setLastHandledRetryRequest(previous.getLastHandledRetryRequest());
    status.setActiveJob(null);
    status.setNextAttemptAt(previous.getNextAttemptAt());
    List<TaskEvent> events =
        decision.events().stream()
            .filter(e -> !TaskEvent.RETRY_REQUESTED.equals(e.reason()))
            .toList();
    return stall(task, status, reason, message, events, now);
  }

  private static Decision stall(
      DeadLetterTask task,
      DeadLetterTaskStatus status,
      String reason,
      String message,
      List<TaskEvent> events,
      Instant now) {
    DeadLetterTaskStatus previous = previousStatus(task);
    TaskPhase phase = previous.getPhase() == null ? TaskPhase.Pending : previous.getPhase();
    status.setPhase(phase);
    status.setMessage(message);
    status.setObservedGeneration(task.getMetadata().getGeneration());
    status.setConditions(
        TaskConditions.of(phase, reason, message, generation(task), previous.getConditions(), now));
    List<TaskEvent> all = new ArrayList<>(events);
    if (!Objects.equals(previous.getMessage(), message)) {
      all.add(TaskEvent.warning(TaskEvent.STALLED, message));
    }
    return new Decision(new WaitUntil(now.plus(STALLED_RECHECK)), status, List.copyOf(all));
  }

  private static DeadLetterTaskStatus previousStatus(DeadLetterTask task) {
    return task.getStatus() == null ? new DeadLetterTaskStatus() : task.getStatus();
  }

  /** How often a stalled task is looked at again; a spec edit triggers a pass at once anyway. */
  static final Duration STALLED_RECHECK = Duration.ofMinutes(2);

  /** One decision in the making; holds the working copy of the status. */
  private static final class Pass {
    private final DeadLetterTask task;
    private final EffectivePolicy policy;
    private final Map<Integer, ObservedAttempt> observed;
    private final Instant now;
    private final DeadLetterTaskStatus previous;
    private final DeadLetterTaskStatus status;
    private final List<TaskEvent> events = new ArrayList<>();
    private Duration chosenDelay;

    Pass(
        DeadLetterTask task,
        EffectivePolicy policy,
        Map<Integer, ObservedAttempt> observed,
        Instant now) {
      this.task = task;
      this.policy = policy;
      this.observed = observed;
      this.now = now;
      this.previous = task.getStatus() == null ? new DeadLetterTaskStatus() : task.getStatus();
      this.status = copy(previous);
    }

    Decision decide() {
      adoptUnrecordedStarts();
      recordCapturedFailure();
      recordFinishedAttempts();
      Action action = next();
      status.setObservedGeneration(task.getMetadata().getGeneration());
      status.setConditions(
          TaskConditions.of(
              status.getPhase(),
              null,
              status.getMessage(),
              generation(task),
              previous.getConditions(),
              now));
      return new Decision(action, status, List.copyOf(events), chosenDelay);
    }

    /**
     * Attempt Jobs newer than the status: a pass created them and died before writing status. They
     * are counted as started. A Job newer than a dead-lettered status can only come from a redrive,
     * so it opens the fresh round that redrive started.
     */
    private void adoptUnrecordedStarts() {
      int newest = observed.keySet().stream().max(Integer::compare).orElse(0);
      if (newest <= status.getAttempts()) {
        return;
      }
      Instant firstStart =
          observed.values().stream()
              .filter(a -> a.number() > previous.getAttempts())
              .map(ObservedAttempt::startTime)
              .filter(Objects::nonNull)
              .min(Comparator.naturalOrder())
              .orElse(now);
      int adopted = newest - status.getAttempts();
      if (previous.getPhase() == TaskPhase.DeadLettered) {
        status.setCountedAttempts(adopted);
        status.setRoundStartedAt(Timestamps.format(firstStart));
        String request = retryRequest();
        if (request != null && !request.equals(previous.getLastHandledRetryRequest())) {
          handled(request, "redriving with a fresh round of " + policy.maxAttempts() + " attempts");
        }
      } else {
        status.setCountedAttempts(status.getCountedAttempts() + adopted);
        if (status.getRoundStartedAt() == null) {
          status.setRoundStartedAt(Timestamps.format(firstStart));
        }
      }
      status.setAttempts(newest);
    }

    /**
     * A captured task starts from its source Job's failure: attempt 0, not counted against
     * maxAttempts.
     */
    private void recordCapturedFailure() {
      TaskSource source = task.getSpec().getSource();
      if (source == null || status.getAttempts() > 0 || recorded(0)) {
        return;
      }
      Map<String, Integer> exitCodes =
          source.getExitCode() == null ? Map.of() : Map.of("", source.getExitCode());
      List<String> reasons = source.getReason() == null ? List.of() : List.of(source.getReason());
      FailureDetails failure =
          new FailureDetails(
              exitCodes, reasons, List.of(), source.getExitCode(), source.getMessage(), null);
      record(
          ObservedAttempt.failed(
              0, source.getName(), null, Timestamps.parse(source.getFailedAt()), failure));
    }

    /** Adds a history record, once, for every attempt that ended since the last pass. */
    private void recordFinishedAttempts() {
      // Only attempts newer than every record: older Jobs kept by generous history limits may have
      // dropped out of the (shorter) status history, and must not be recorded again.
      int newestRecorded =
          status.getHistory().stream().mapToInt(AttemptRecord::getAttempt).max().orElse(0);
      List<ObservedAttempt> finished =
          observed.values().stream()
              .filter(ObservedAttempt::finished)
              .filter(a -> a.number() > newestRecorded)
              .sorted(Comparator.comparingInt(ObservedAttempt::number))
              .toList();
      for (ObservedAttempt attempt : finished) {
        record(attempt);
      }
      int latest = status.getAttempts();
      if (latest > 0 && !observed.containsKey(latest) && !recorded(latest)) {
        // Started (status says so, and status is written only after the create) but gone before it
        // ended.
        record(
            ObservedAttempt.failed(
                latest, jobName(latest), null, now, FailureDetails.jobDeleted()));
      }
      List<AttemptRecord> history = status.getHistory();
      if (history.size() > DeadLetterTaskStatus.HISTORY_LIMIT) {
        status.setHistory(
            new ArrayList<>(
                history.subList(
                    history.size() - DeadLetterTaskStatus.HISTORY_LIMIT, history.size())));
      }
    }

    private void record(ObservedAttempt attempt) {
      AttemptRecord r = new AttemptRecord();
      r.setAttempt(attempt.number());
      r.setJob(attempt.jobName());
      r.setStartTime(Timestamps.format(attempt.startTime()));
      r.setFinishTime(Timestamps.format(attempt.finishTime()));
      if (attempt.state() == ObservedAttempt.State.SUCCEEDED) {
        r.setOutcome(Outcome.Succeeded);
      } else {
        FailureDetails failure = attempt.failure();
        Classification c = FailureClassifier.classify(policy.rules(), failure);
        r.setOutcome(Outcome.Failed);
        r.setExitCode(failure.exitCode());
        r.setReason(failure.primaryReason());
        r.setMessage(failure.message());
        r.setNode(failure.node());
        r.setMatchedRule(c.ruleIndex());
        r.setAction(c.action());
        if (c.action() == RetryAction.RetryWithoutCounting && inCurrentRound(attempt.number())) {
          status.setCountedAttempts(Math.max(0, status.getCountedAttempts() - 1));
        }
        status.setLastFailureReason(r.getReason());
        events.add(
            TaskEvent.warning(
                TaskEvent.ATTEMPT_FAILED,
                "attempt %d (Job %s) failed: %s; %s, action %s"
                    .formatted(
                        attempt.number(), r.getJob(), describe(r), c.describe(), c.action())));
      }
      status.getHistory().add(r);
      status.getHistory().sort(Comparator.comparingInt(AttemptRecord::getAttempt));
    }

    /** Attempts of the current round are those not older than the rounds' counted attempts. */
    private boolean inCurrentRound(int number) {
      return number > status.getAttempts() - status.getCountedAttempts();
    }

    private Action next() {
      String request = retryRequest();
      boolean newRequest = request != null && !request.equals(status.getLastHandledRetryRequest());
      int latest = status.getAttempts();
      ObservedAttempt running = observed.get(latest);
      if (latest > 0 && running != null && !running.finished()) {
        if (newRequest) {
          handled(request, "ignored: attempt " + latest + " is running");
        }
        return runningAttempt(running);
      }
      AttemptRecord last = findRecord(latest); // attempt 0: the captured failure, if any
      if (last != null && last.getOutcome() == Outcome.Succeeded) {
        if (newRequest) {
          handled(request, "ignored: the task succeeded");
        }
        return succeeded(last, previous.getPhase() != TaskPhase.Succeeded);
      }
      if (last == null) {
        if (newRequest) {
          handled(request, "noted: no attempt has failed yet");
        }
        return firstAttempt();
      }
      // While suspended a retry request stays pending: it takes effect on resume.
      boolean actOnRequest = newRequest && !policy.suspended();
      String deadLetterWhy = deadLetterReason(last);
      if (deadLetterWhy != null && actOnRequest) {
        handled(request, "redriving with a fresh round of " + policy.maxAttempts() + " attempts");
        status.setCountedAttempts(0);
        status.setRoundStartedAt(null);
        return startNow(latest + 1, last);
      }
      if (deadLetterWhy != null) {
        return deadLettered(deadLetterWhy);
      }
      Instant due = nextAttemptTime(last);
      if (previous.getHistory().stream().noneMatch(r -> r.getAttempt() == last.getAttempt())) {
        // Chosen once per failure, whether the pass waits or (seeing the failure late) starts now.
        Instant failedAt = Timestamps.parse(last.getFinishTime());
        chosenDelay = failedAt == null ? Duration.ZERO : Duration.between(failedAt, due);
      }
      if (actOnRequest) {
        handled(request, "skipping the backoff wait");
        due = now;
      }
      if (policy.suspended()) {
        status.setPhase(TaskPhase.Suspended);
        status.setActiveJob(null);
        status.setNextAttemptAt(Timestamps.formatMillis(due));
        status.setMessage(
            "suspended; attempt %d is due at %s"
                .formatted(latest + 1, Timestamps.formatMillis(due)));
        return new Idle();
      }
      if (!now.isBefore(due)) {
        return startNow(latest + 1, last);
      }
      status.setPhase(TaskPhase.BackingOff);
      status.setActiveJob(null);
      status.setNextAttemptAt(Timestamps.formatMillis(due));
      status.setMessage(
          "attempt %d/%d failed: %s; attempt %d starts at %s"
              .formatted(
                  latest,
                  policy.maxAttempts(),
                  describe(last),
                  latest + 1,
                  status.getNextAttemptAt()));
      if (previous.getPhase() != TaskPhase.BackingOff
          || !status.getNextAttemptAt().equals(previous.getNextAttemptAt())) {
        events.add(TaskEvent.normal(TaskEvent.BACKING_OFF, status.getMessage()));
      }
      return new WaitUntil(due);
    }

    private void handled(String request, String what) {
      status.setLastHandledRetryRequest(request);
      events.add(
          TaskEvent.normal(TaskEvent.RETRY_REQUESTED, "retry request " + request + ": " + what));
    }

    private Action runningAttempt(ObservedAttempt running) {
      status.setPhase(TaskPhase.Running);
      status.setActiveJob(running.jobName());
      status.setNextAttemptAt(null);
      String message = runningMessage(running.number(), running.jobName());
      if (running.blockedBy() != null) {
        message += "; " + running.blockedBy();
        if (!message.equals(previous.getMessage())) {
          events.add(TaskEvent.warning(TaskEvent.ATTEMPT_BLOCKED, message));
        }
      }
      status.setMessage(message);
      return new Idle();
    }

    private String runningMessage(int number, String jobName) {
      return "attempt %d/%d running as Job %s".formatted(number, policy.maxAttempts(), jobName);
    }

    private Action succeeded(AttemptRecord last, boolean transition) {
      status.setPhase(TaskPhase.Succeeded);
      status.setActiveJob(null);
      status.setNextAttemptAt(null);
      status.setMessage(
          "attempt %d succeeded (Job %s)".formatted(last.getAttempt(), last.getJob()));
      if (transition) {
        events.add(TaskEvent.normal(TaskEvent.SUCCEEDED, status.getMessage()));
      }
      Instant succeededAt = Timestamps.parse(last.getFinishTime());
      if (policy.ttlAfterSucceeded().isEmpty() || succeededAt == null) {
        return new Idle();
      }
      Instant expires = succeededAt.plus(policy.ttlAfterSucceeded().get());
      return now.isBefore(expires) ? new WaitUntil(expires) : new DeleteTask();
    }

    private Action firstAttempt() {
      if (policy.suspended()) {
        status.setPhase(TaskPhase.Suspended);
        status.setMessage("suspended before the first attempt");
        return new Idle();
      }
      return startNow(1, null);
    }

    private Action startNow(int number, AttemptRecord last) {
      status.setAttempts(number);
      status.setCountedAttempts(status.getCountedAttempts() + 1);
      if (status.getRoundStartedAt() == null) {
        status.setRoundStartedAt(Timestamps.format(now));
      }
      status.setPhase(TaskPhase.Running);
      status.setActiveJob(jobName(number));
      status.setNextAttemptAt(null);
      // The same message as the running phase, so the pass that sees the Job running writes
      // nothing.
      status.setMessage(runningMessage(number, jobName(number)));
      return new StartAttempt(
          number, last == null ? null : last.getExitCode(), last == null ? null : last.getReason());
    }

    private Action deadLettered(String why) {
      status.setPhase(TaskPhase.DeadLettered);
      status.setActiveJob(null);
      status.setNextAttemptAt(null);
      status.setMessage(
          why
              + "; set annotation "
              + DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION
              + " to a new value to redrive");
      if (previous.getPhase() != TaskPhase.DeadLettered) {
        events.add(TaskEvent.warning(TaskEvent.DEAD_LETTERED, status.getMessage()));
      }
      return new Idle();
    }

    /** Why the failed latest attempt ends the round, or null when another attempt may start. */
    private String deadLetterReason(AttemptRecord last) {
      if (last.getAction() == RetryAction.DeadLetter) {
        return "attempt %d failed: %s; rules[%d] says DeadLetter"
            .formatted(last.getAttempt(), describe(last), last.getMatchedRule());
      }
      if (status.getCountedAttempts() >= policy.maxAttempts()) {
        return "all %d attempts failed; last: %s".formatted(policy.maxAttempts(), describe(last));
      }
      if (policy.maxRetryDuration().isPresent() && status.getRoundStartedAt() != null) {
        Instant deadline =
            Timestamps.parse(status.getRoundStartedAt()).plus(policy.maxRetryDuration().get());
        if (nextAttemptTime(last).isAfter(deadline)) {
          return "maxRetryDuration %s: the next attempt would start after %s; last: %s"
              .formatted(
                  GoDuration.format(policy.maxRetryDuration().get()),
                  Timestamps.format(deadline),
                  describe(last));
        }
      }
      return null;
    }

    /**
     * When the attempt after {@code last} is due: the failure time plus the backoff, rounded up to
     * the millisecond (the precision status keeps) so the recorded time is never earlier than the
     * computed one.
     */
    private Instant nextAttemptTime(AttemptRecord last) {
      Instant failedAt = Timestamps.parse(last.getFinishTime());
      Duration delay =
          policy
              .backoff()
              .delay(
                  Math.max(1, status.getCountedAttempts()),
                  Backoff.draw(task.getMetadata().getUid(), last.getAttempt()));
      Instant due = (failedAt == null ? now : failedAt).plus(delay);
      Instant whole = due.truncatedTo(ChronoUnit.MILLIS);
      return whole.equals(due) ? due : whole.plusMillis(1);
    }

    private boolean recorded(int number) {
      return findRecord(number) != null;
    }

    private AttemptRecord findRecord(int number) {
      return status.getHistory().stream()
          .filter(r -> r.getAttempt() == number)
          .findFirst()
          .orElse(null);
    }

    private String retryRequest() {
      Map<String, String> annotations = task.getMetadata().getAnnotations();
      return annotations == null
          ? null
          : annotations.get(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION);
    }

    private String jobName(int number) {
      return task.getMetadata().getName() + "-" + number;
    }
  }

  private static String describe(AttemptRecord r) {
    return r.getExitCode() == null
        ? r.getReason()
        : r.getReason() + " (exit code " + r.getExitCode() + ")";
  }

  private static long generation(DeadLetterTask task) {
    Long g = task.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  static DeadLetterTaskStatus copy(DeadLetterTaskStatus s) {
    DeadLetterTaskStatus c = new DeadLetterTaskStatus();
    c.setPhase(s.getPhase());
    c.setAttempts(s.getAttempts());
    c.setCountedAttempts(s.getCountedAttempts());
    c.setRoundStartedAt(s.getRoundStartedAt());
    c.setActiveJob(s.getActiveJob());
    c.setNextAttemptAt(s.getNextAttemptAt());
    c.setLastHandledRetryRequest(s.getLastHandledRetryRequest());
    c.setLastFailureReason(s.getLastFailureReason());
    c.setMessage(s.getMessage());
    c.setObservedGeneration(s.getObservedGeneration());
    c.setHistory(new ArrayList<>(s.getHistory()));
    c.setConditions(new ArrayList<>(s.getConditions()));
    return c;
  }
}
