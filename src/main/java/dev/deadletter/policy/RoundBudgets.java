package dev.deadletter.policy;

import static dev.deadletter.policy.RetryDecider.describe;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.ResourceMutation;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RoundStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * What the round's budgets allow after a failure: whether it ends the round (and why), and when the
 * next attempt is due. Reads what {@link RoundAccounting} recorded; changes nothing.
 */
final class RoundBudgets {

  private final DeadLetterTask task;
  private final EffectivePolicy policy;
  private final RoundAccounting accounting;
  private final Instant now;

  RoundBudgets(
      DeadLetterTask task, EffectivePolicy policy, RoundAccounting accounting, Instant now) {
    this.task = task;
    this.policy = policy;
    this.accounting = accounting;
    this.now = now;
  }

  /** Whether the failed latest attempt of the round spent a budget: then the round ends. */
  Optional<DeadLetterRecord> exhausted(AttemptRecord last) {
    if (last.getAction() == RetryAction.DeadLetter) {
      return verdict(
          DeadLetterReason.RuleMatched,
          "attempt %d failed: %s; rule %s says DeadLetter"
              .formatted(last.getAttempt(), describe(last), ruleKey(last)),
          last);
    }
    Optional<DeadLetterRecord> poison = poisoned(last);
    if (poison.isPresent()) {
      return poison;
    }
    Optional<EffectiveRule> rule = ownCountRule(last);
    if (rule.isPresent() && rule.get().budget().isPresent()) {
      int spent = round().getRuleFailures().getOrDefault(rule.get().key(), 0);
      int budget = rule.get().budget().getAsInt();
      if (spent >= budget) {
        return verdict(
            DeadLetterReason.RuleBudgetExhausted,
            "rule %s matched %d failures, its maxAttempts is %d; last: %s"
                .formatted(rule.get().key(), spent, budget, describe(last)),
            last);
      }
    }
    // Also after a failure charged to a rule: the next attempt is counted when it starts, and
    // maxAttempts may have been lowered since the round's last counted failure.
    if (round().getCountedAttempts() >= policy.maxAttempts()) {
      return verdict(
          DeadLetterReason.RetriesExhausted,
          "all %d attempts failed; last: %s".formatted(policy.maxAttempts(), describe(last)),
          last);
    }
    Optional<DeadLetterRecord> capped = capReached(last);
    if (capped.isPresent()) {
      return capped;
    }
    Optional<Instant> deadline = retryDeadline();
    if (deadline.isPresent() && nextAttemptTime(last).isAfter(deadline.get())) {
      return verdict(
          DeadLetterReason.RetryDurationExceeded,
          "maxRetryDuration %s: the next attempt would start after %s; last: %s"
              .formatted(
                  GoDuration.format(policy.maxRetryDuration().get()),
                  Timestamps.format(deadline.get()),
                  describe(last)),
          last);
    }
    return Optional.empty();
  }

  /**
   * Whether the rule that matched {@code last} grows resources and the attempt already ran with
   * every grown value at its cap (unless its onCapReached is RetryUnchanged).
   */
  private Optional<DeadLetterRecord> capReached(AttemptRecord last) {
    Optional<EffectiveRule> rule =
        last.getRule() == null ? Optional.empty() : policy.rule(last.getRule());
    if (rule.isEmpty()
        || rule.get().rule().getMutate() == null
        || rule.get().rule().getMutate().getResources() == null
        || rule.get().rule().getMutate().getResources().getOnCapReached()
            == ResourceMutation.OnCapReached.RetryUnchanged) {
      return Optional.empty();
    }
    int k = round().getRuleFailures().getOrDefault(rule.get().key(), 0);
    if (!AttemptMutations.capReached(task.getSpec(), rule.get(), k)) {
      return Optional.empty();
    }
    return verdict(
        DeadLetterReason.ResourceCapReached,
        "rule %s: attempt %d already ran with its resources at the caps (%s) and failed: %s"
            .formatted(
                rule.get().key(),
                last.getAttempt(),
                last.getMutations() == null ? "the template's values" : last.getMutations(),
                describe(last)),
        last);
  }

  /** Whether the last K failures of the round, K from retryPolicy.poison, are all the same. */
  private Optional<DeadLetterRecord> poisoned(AttemptRecord last) {
    if (policy.poisonAfter().isEmpty() || last.getFingerprint() == null) {
      return Optional.empty();
    }
    int k = policy.poisonAfter().getAsInt();
    List<AttemptRecord> recent =
        accounting.status.getHistory().stream()
            .filter(
                r -> accounting.inRound(r.getAttempt()) && r.getAttempt() > last.getAttempt() - k)
            .toList();
    boolean identical =
        recent.size() == k
            && recent.stream()
                .allMatch(
                    r ->
                        r.getOutcome() == Outcome.Failed
                            && last.getFingerprint().equals(r.getFingerprint()));
    if (!identical) {
      return Optional.empty();
    }
    return verdict(
        DeadLetterReason.PoisonDetected,
        "the last %d failures were identical (fingerprint %s): %s"
            .formatted(k, last.getFingerprint(), describe(last)),
        last);
  }

  /**
   * maxRetryDuration checked when the retry really starts: a suspend, an operator that was down or
   * refused creates may have pushed it past the deadline since the failure was judged.
   */
  Optional<DeadLetterRecord> startsTooLate(AttemptRecord last) {
    Optional<Instant> deadline = retryDeadline();
    if (deadline.isEmpty() || !now.isAfter(deadline.get())) {
      return Optional.empty();
    }
    return verdict(
        DeadLetterReason.RetryDurationExceeded,
        "maxRetryDuration %s: attempt %d was due to start at %s, after %s; last: %s"
            .formatted(
                GoDuration.format(policy.maxRetryDuration().get()),
                last.getAttempt() + 1,
                Timestamps.format(now),
                Timestamps.format(deadline.get()),
                describe(last)),
        last);
  }

  /** When maxRetryDuration ends the round's retries, if it is set. */
  Optional<Instant> retryDeadline() {
    Instant startedAt = Timestamps.parse(round().getStartedAt());
    if (policy.maxRetryDuration().isEmpty() || startedAt == null) {
      return Optional.empty();
    }
    return Optional.of(
        startedAt.plus(policy.maxRetryDuration().get()).plus(budgetWait(round(), now)));
  }

  /**
   * How long retry budgets have held the round's retries back, the wait going on now included:
   * maxRetryDuration does not count it, since the task could not have retried sooner.
   */
  static Duration budgetWait(RoundStatus round, Instant now) {
    Duration before =
        round.getBudgetWait() == null ? Duration.ZERO : GoDuration.parse(round.getBudgetWait());
    Instant since = Timestamps.parse(round.getBudgetWaitSince());
    return since == null || since.isAfter(now) ? before : before.plus(Duration.between(since, now));
  }

  private Optional<DeadLetterRecord> verdict(
      DeadLetterReason reason, String message, AttemptRecord last) {
    return Optional.of(
        new DeadLetterRecord(reason, Timestamps.format(now), last.getAttempt(), message));
  }

  /**
   * When the attempt after {@code last} is due: its failure time plus the backoff of the budget it
   * was charged to, rounded up to the millisecond (the precision status keeps) so the recorded time
   * is never earlier than the computed one.
   */
  Instant nextAttemptTime(AttemptRecord last) {
    Instant failedAt = Timestamps.parse(last.getFinishTime());
    if (last.getRetryAfter() != null && last.getRetryAfter().getDelay() != null) {
      return wholeMillis(
          (failedAt == null ? now : failedAt)
              .plus(GoDuration.parse(last.getRetryAfter().getDelay())));
    }
    Optional<EffectiveRule> rule = ownCountRule(last);
    Backoff backoff = rule.flatMap(EffectiveRule::backoff).orElse(policy.backoff());
    int count =
        rule.isPresent()
            ? round().getRuleFailures().getOrDefault(rule.get().key(), 0)
            : round().getCountedAttempts();
    Duration delay =
        backoff.delay(
            Math.max(1, count), Backoff.draw(task.getMetadata().getUid(), last.getAttempt()));
    return wholeMillis((failedAt == null ? now : failedAt).plus(delay));
  }

  /**
   * The rule that matched {@code last}, if it has a count (and so a budget or backoff) of its own.
   */
  private Optional<EffectiveRule> ownCountRule(AttemptRecord last) {
    return last.getRule() == null
        ? Optional.empty()
        : policy.rule(last.getRule()).filter(EffectiveRule::ownCount);
  }

  private RoundStatus round() {
    return accounting.round();
  }

  /** Rounded up to the millisecond, the precision status keeps. */
  private static Instant wholeMillis(Instant t) {
    Instant whole = t.truncatedTo(ChronoUnit.MILLIS);
    return whole.equals(t) ? t : whole.plusMillis(1);
  }

  private static String ruleKey(AttemptRecord r) {
    return r.getRule() != null ? r.getRule() : "rules[" + r.getMatchedRule() + "]";
  }
}
