package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.policy.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One attempt of a selected task, as budgets count it, read from the task's status history (the
 * record of what happened, which survives an operator restart and the pruning of old Jobs).
 *
 * @param task namespace/name
 * @param retry an attempt after the first of its round
 * @param start null when not known: a running attempt seen after a restart
 * @param finish null while it runs
 * @param labels the task's labels, for circuits keyed by a label
 * @param failedRule when it failed: the rule its failure matched, or {@link #UNMATCHED}
 * @param retryOf for a retry: the rule the failure before it matched, or {@link #UNMATCHED}
 */
public record AttemptFact(
    String task,
    String job,
    boolean retry,
    Instant start,
    Instant finish,
    boolean failed,
    Map<String, String> labels,
    String failedRule,
    String retryOf) {

  /** The circuit key of a failure no rule matched. */
  public static final String UNMATCHED = "unmatched";

  /** The attempts in the task's status history; a captured Job (attempt 0) is not one of ours. */
  public static List<AttemptFact> of(DeadLetterTask task) {
    DeadLetterTaskStatus status = task.getStatus();
    if (status == null || status.getHistory() == null) {
      return List.of();
    }
    String key = task.getMetadata().getNamespace() + "/" + task.getMetadata().getName();
    RoundStatus round = status.getRound();
    int roundStart = round == null ? 1 : round.getFirstAttempt();
    Map<String, String> labels =
        task.getMetadata().getLabels() == null ? Map.of() : task.getMetadata().getLabels();
    List<AttemptRecord> history = new ArrayList<>(status.getHistory());
    history.sort(Comparator.comparingInt(AttemptRecord::getAttempt));
    List<AttemptFact> facts = new ArrayList<>(history.size());
    AttemptRecord before = null;
    for (AttemptRecord r : history) {
      Instant start = Timestamps.parse(r.getStartTime());
      if (r.getAttempt() < 1 || start == null) {
        before = r;
        continue;
      }
      // Rounds before the current one are not recorded: their first attempts count as retries,
      // which errs on the side of fewer retries.
      boolean retry = r.getAttempt() > 1 && r.getAttempt() != roundStart;
      facts.add(
          new AttemptFact(
              key,
              r.getJob(),
              retry,
              start,
              r.getOutcome() == null ? null : Timestamps.parse(r.getFinishTime()),
              r.getOutcome() == Outcome.Failed,
              labels,
              failedRule(r),
              retry && before != null ? failedRule(before) : null));
      before = r;
    }
    String running = status.getActiveJob();
    int latest = status.getAttempts();
    boolean recorded = !history.isEmpty() && history.get(history.size() - 1).getAttempt() >= latest;
    if (running != null && latest > 0 && !recorded) {
      // A running attempt has no record yet, nor its start in status: the ledger's grant knows
      // when it started; after a restart nobody does, and it counts as started in every window
      // until it ends (fewer retries, never more).
      boolean retry = latest > 1 && latest != roundStart;
      facts.add(
          new AttemptFact(
              key,
              running,
              retry,
              null,
              null,
              false,
              labels,
              null,
              retry && before != null ? failedRule(before) : null));
    }
    return facts;
  }

  private static String failedRule(AttemptRecord r) {
    if (r.getOutcome() != Outcome.Failed) {
      return null;
    }
    return r.getRule() == null ? UNMATCHED : r.getRule();
  }

  boolean finished() {
    return finish != null;
  }

  /** An unknown start is in every window. */
  boolean startedIn(Instant from, Instant to) {
    return start == null || (start.isAfter(from) && !start.isAfter(to));
  }

  /** The same attempt, started at {@code at}. */
  AttemptFact startedAt(Instant at) {
    return new AttemptFact(task, job, retry, at, finish, failed, labels, failedRule, retryOf);
  }
}
