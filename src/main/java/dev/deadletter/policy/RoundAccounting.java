package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryAfterRecord;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.api.v1alpha1.TaskSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The bookkeeping half of a pass: brings the status up to date with the attempt Jobs observed
 * (adopting starts a crashed pass did not record, recording each finished attempt once, charging
 * its failure to a budget of the round) before {@link RetryDecider} chooses what to do next.
 */
final class RoundAccounting {

  final DeadLetterTaskStatus status;
  final List<TaskEvent> events = new ArrayList<>();

  /** Attempts this pass recorded in the history for the first time. */
  final List<AttemptRecord> recorded = new ArrayList<>();

  private final DeadLetterTask task;
  private final EffectivePolicy policy;
  private final Map<Integer, ObservedAttempt> observed;
  private final Instant now;
  private final DeadLetterTaskStatus previous;

  private RoundAccounting(
      DeadLetterTask task,
      EffectivePolicy policy,
      Map<Integer, ObservedAttempt> observed,
      Instant now) {
    this.task = task;
    this.policy = policy;
    this.observed = observed;
    this.now = now;
    this.previous = task.getStatus() == null ? new DeadLetterTaskStatus() : task.getStatus();
    this.status = previous.copy();
  }

  /**
   * The first half of the bookkeeping: an older version's status carried over, and the attempts the
   * status names (a captured failure included) recorded once they ended. {@link #adoptAndRecord}
   * does the rest.
   */
  static RoundAccounting account(
      DeadLetterTask task,
      EffectivePolicy policy,
      Map<Integer, ObservedAttempt> observed,
      Instant now) {
    RoundAccounting a = new RoundAccounting(task, policy, observed, now);
    a.migrateOlderStatus();
    a.recordCapturedFailure();
    a.recordFinishedAttempts(a.status.getAttempts());
    return a;
  }

  /**
   * The second half: Jobs newer than the status counted as started, each in a fresh round when
   * {@code redroveAfter} says the pass that created it redrove after the attempt before it, and
   * recorded once they ended.
   */
  void adoptAndRecord(Predicate<AttemptRecord> redroveAfter) {
    adoptUnrecordedStarts(redroveAfter);
    recordFinishedAttempts(Integer.MAX_VALUE);
  }

  RoundStatus round() {
    return status.getRound();
  }

  DeadLetterTaskStatus previous() {
    return previous;
  }

  /**
   * Whether attempt {@code number} belongs to the current round (a captured attempt 0: round 1).
   */
  boolean inRound(int number) {
    return number >= round().getFirstAttempt() || (number == 0 && round().getNumber() == 1);
  }

  /** Counts attempt {@code number} as started now, against the policy's budget until it fails. */
  void start(int number) {
    status.setAttempts(number);
    status.setRefusedStart(null);
    round().setCountedAttempts(round().getCountedAttempts() + 1);
    if (round().getStartedAt() == null) {
      round().setStartedAt(Timestamps.format(now));
    }
  }

  /** A redrive: the next round begins with attempt {@code firstAttempt}, every budget unspent. */
  void openRound(int firstAttempt) {
    RoundStatus next = new RoundStatus();
    next.setNumber(round().getNumber() + 1);
    next.setFirstAttempt(firstAttempt);
    status.setRound(next);
    status.setDeadLetter(null);
  }

  void handled(String request, String what) {
    status.setLastHandledRetryRequest(request);
    events.add(
        TaskEvent.normal(TaskEvent.RETRY_REQUESTED, "retry request " + request + ": " + what));
  }

  String retryRequest() {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    return annotations == null
        ? null
        : annotations.get(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION);
  }

  /**
   * A status written before rounds were recorded has countedAttempts and roundStartedAt at its top
   * level, and a dead letter only as its phase: carry them over once.
   */
  private void migrateOlderStatus() {
    if (status.getRound() != null) {
      return;
    }
    RoundStatus round = new RoundStatus();
    round.setNumber(1);
    int counted = previous.getCountedAttempts() == null ? 0 : previous.getCountedAttempts();
    round.setCountedAttempts(counted);
    round.setFirstAttempt(Math.max(1, previous.getAttempts() - counted + 1));
    round.setStartedAt(previous.getRoundStartedAt());
    status.setRound(round);
    status.setCountedAttempts(null);
    status.setRoundStartedAt(null);
    if (previous.getPhase() == TaskPhase.DeadLettered && previous.getDeadLetter() == null) {
      AttemptRecord last = History.newest(status).orElse(null);
      status.setDeadLetter(
          new DeadLetterRecord(
              last != null && last.getAction() == RetryAction.DeadLetter
                  ? DeadLetterReason.RuleMatched
                  : DeadLetterReason.RetriesExhausted,
              Timestamps.format(now),
              previous.getAttempts(),
              previous.getMessage()));
    }
  }

  /**
   * Attempt Jobs newer than the status: passes created them and died before writing status. Each,
   * in order, is counted as started (in the fresh round a redrive opened, or else in the status's
   * round, dead-lettered or not: a pass whose Job cache did not show it yet may have dead-lettered
   * it), and recorded if it ended, so that the next one is judged as the pass that created it did.
   */
  private void adoptUnrecordedStarts(Predicate<AttemptRecord> redroveAfter) {
    int newest = observed.keySet().stream().max(Integer::compare).orElse(0);
    for (int n = status.getAttempts() + 1; n <= newest; n++) {
      if (redroveAfter.test(findRecord(n - 1))) {
        openRound(n);
        handled(retryRequest(), "redriving with a fresh round");
      }
      ObservedAttempt job = observed.get(n);
      round().setCountedAttempts(round().getCountedAttempts() + 1);
      if (round().getStartedAt() == null) {
        Instant started = job == null ? null : notLaterThanNow(job.startTime());
        round().setStartedAt(Timestamps.format(started == null ? now : started));
      }
      status.setAttempts(n);
      status.setRefusedStart(null);
      if (job != null && job.finished()) {
        record(job);
      }
    }
  }

  /**
   * A captured task starts from its source Job's failure: attempt 0, not counted against
   * maxAttempts.
   */
  private void recordCapturedFailure() {
    TaskSource source = task.getSpec().getSource();
    if (source == null || status.getAttempts() > 0 || findRecord(0) != null) {
      return;
    }
    Map<String, Integer> exitCodes =
        source.getExitCode() == null ? Map.of() : Map.of("", source.getExitCode());
    List<String> reasons = source.getReason() == null ? List.of() : List.of(source.getReason());
    FailureDetails failure =
        new FailureDetails(
            exitCodes, reasons, List.of(), source.getExitCode(), source.getMessage(), null);
    Instant failedAt = Timestamps.parse(source.getFailedAt());
    record(ObservedAttempt.failed(0, source.getName(), null, failedAt, failure));
  }

  /**
   * Adds a history record, once, for every attempt up to {@code upTo} that ended since the last
   * pass.
   */
  private void recordFinishedAttempts(int upTo) {
    // Only attempts newer than every record: older Jobs kept by generous history limits may have
    // dropped out of the (shorter) status history, and must not be recorded again.
    int newestRecorded = History.newestAttempt(status);
    List<ObservedAttempt> ended =
        new ArrayList<>(
            observed.values().stream()
                .filter(ObservedAttempt::finished)
                .filter(a -> a.number() > newestRecorded && a.number() <= upTo)
                .toList());
    // Started (status says so, and status is written only after the create) but gone before it
    // ended: the latest attempt, and the status's latest when this pass adopted a newer one.
    for (int n = Math.max(1, previous.getAttempts());
        n <= Math.min(upTo, status.getAttempts());
        n++) {
      if (!observed.containsKey(n) && findRecord(n) == null) {
        ended.add(
            ObservedAttempt.failed(
                n,
                DeadLetterTask.attemptJobName(task.getMetadata().getName(), n),
                null,
                now,
                FailureDetails.jobDeleted()));
      }
    }
    ended.sort(Comparator.comparingInt(ObservedAttempt::number));
    ended.forEach(this::record);
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
    r.setStartTime(Timestamps.format(notLaterThanNow(attempt.startTime())));
    r.setFinishTime(Timestamps.format(notLaterThanNow(attempt.finishTime())));
    r.setMutations(
        attempt.mutations() == null || attempt.mutations().isEmpty() ? null : attempt.mutations());
    if (attempt.state() == ObservedAttempt.State.SUCCEEDED) {
      r.setOutcome(Outcome.Succeeded);
    } else {
      FailureDetails failure = attempt.failure();
      Classification c = FailureClassifier.classify(policy.ruleSpecs(), failure);
      EffectiveRule rule = c.ruleIndex() == null ? null : policy.rules().get(c.ruleIndex());
      r.setOutcome(Outcome.Failed);
      r.setExitCode(failure.exitCode());
      r.setReason(failure.primaryReason());
      r.setMessage(failure.message());
      r.setNode(failure.node());
      r.setMatchedRule(c.ruleIndex());
      r.setRule(rule == null ? null : rule.key());
      r.setAction(c.action());
      r.setFingerprint(
          Fingerprint.of(r.getExitCode(), r.getReason(), r.getRule(), failure.message()));
      r.setRetryAfter(retryAfter(failure.retryAfterHint()));
      if (rule != null && inRound(attempt.number())) {
        charge(rule, attempt.number());
      }
      status.setLastFailureReason(r.getReason());
      events.add(
          TaskEvent.warning(
                  TaskEvent.ATTEMPT_FAILED,
                  "attempt %d (Job %s) failed: %s; %s, action %s"
                      .formatted(
                          attempt.number(),
                          r.getJob(),
                          RetryDecider.describe(r),
                          describe(c, rule),
                          c.action()))
              .aboutJob(r.getJob()));
    }
    status.getHistory().add(r);
    status.getHistory().sort(Comparator.comparingInt(AttemptRecord::getAttempt));
    recorded.add(r);
  }

  /**
   * The workload's hint, and the wait it sets, fixed when the failure is recorded: a later edit of
   * honorRetryAfter changes the next failure's wait, not this one's.
   */
  private RetryAfterRecord retryAfter(String hint) {
    if (hint == null) {
      return null;
    }
    if (policy.retryAfter().isEmpty()) {
      return new RetryAfterRecord(hint, null, "retryPolicy.honorRetryAfter is not set");
    }
    Duration asked;
    try {
      asked =
          hint.chars().allMatch(Character::isDigit)
              ? Duration.ofSeconds(Long.parseLong(hint)) // HTTP's Retry-After: whole seconds
              : GoDuration.parse(hint, EffectivePolicy.MAX_DURATION);
    } catch (IllegalArgumentException | ArithmeticException e) {
      return new RetryAfterRecord(hint, null, "not a duration: " + e.getMessage());
    }
    return new RetryAfterRecord(
        hint, GoDuration.format(policy.retryAfter().get().clamp(asked)), null);
  }

  /**
   * A failure a rule matched counts for that rule; when the rule has a budget of its own, the
   * attempt moves from the policy's budget to it.
   */
  private void charge(EffectiveRule rule, int attempt) {
    RoundStatus round = round();
    round.getRuleFailures().merge(rule.key(), 1, Integer::sum);
    if (rule.budget().isPresent()) {
      round.setUncountedAttempts(round.getUncountedAttempts() + 1);
      if (attempt > 0) { // a captured attempt 0 was never counted
        round.setCountedAttempts(Math.max(0, round.getCountedAttempts() - 1));
      }
    }
  }

  /**
   * A time the control plane's clock gave (a Job's creation, its Failed condition), never later
   * than the operator's now: a failure cannot have happened after it was seen, and a control plane
   * clock ahead of ours would otherwise push every retry late by the skew.
   */
  private Instant notLaterThanNow(Instant t) {
    return t != null && t.isAfter(now) ? now : t;
  }

  AttemptRecord findRecord(int number) {
    return status.getHistory().stream()
        .filter(r -> r.getAttempt() == number)
        .findFirst()
        .orElse(null);
  }

  private static String describe(Classification c, EffectiveRule rule) {
    return rule == null ? "no rule matched" : "rule " + rule.key() + " matched";
  }
}
