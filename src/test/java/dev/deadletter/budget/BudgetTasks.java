package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.CircuitBreakerPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetSpec;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Timestamps;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tasks with a status history, and budgets, as a budget's ledger reads them. */
final class BudgetTasks {

  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final String NS = "ns";

  private BudgetTasks() {}

  /**
   * A task of namespace {@link #NS} labelled dependency=db, with an empty history, as the API
   * server would have it: a uid, a resourceVersion that every write below bumps.
   */
  static DeadLetterTask task(String name) {
    DeadLetterTask t = new DeadLetterTask();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(NS);
    meta.setUid("uid-" + name);
    meta.setResourceVersion("1");
    meta.setLabels(new HashMap<>(Map.of("dependency", "db")));
    t.setMetadata(meta);
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    RoundStatus round = new RoundStatus();
    round.setNumber(1);
    round.setFirstAttempt(1);
    status.setRound(round);
    status.setPhase(TaskPhase.Pending);
    t.setStatus(status);
    return t;
  }

  /**
   * Attempt {@code n} ran from {@code start} to {@code finish}; failed with {@code rule} unless
   * null.
   */
  static void ended(
      DeadLetterTask t, int n, Instant start, Instant finish, boolean failed, String rule) {
    AttemptRecord r = new AttemptRecord();
    r.setAttempt(n);
    r.setJob(job(t, n));
    r.setStartTime(Timestamps.format(start));
    r.setFinishTime(Timestamps.format(finish));
    r.setOutcome(failed ? Outcome.Failed : Outcome.Succeeded);
    r.setRule(failed ? rule : null);
    List<AttemptRecord> history = new ArrayList<>(t.getStatus().getHistory());
    history.add(r);
    t.getStatus().setHistory(history);
    t.getStatus().setAttempts(Math.max(n, t.getStatus().getAttempts()));
    t.getStatus().setActiveJob(null);
    t.getStatus().setPhase(failed ? TaskPhase.BackingOff : TaskPhase.Succeeded);
    written(t);
  }

  /** Attempt {@code n} runs (as status shows it: no record, no start time). */
  static void running(DeadLetterTask t, int n) {
    t.getStatus().setAttempts(n);
    t.getStatus().setActiveJob(job(t, n));
    t.getStatus().setPhase(TaskPhase.Running);
    written(t);
  }

  /** The task was written: a new resourceVersion, as the API server gives every write. */
  static void written(DeadLetterTask t) {
    ObjectMeta meta = t.getMetadata();
    if (meta.getResourceVersion() != null) {
      meta.setResourceVersion(Long.toString(Long.parseLong(meta.getResourceVersion()) + 1));
    }
  }

  static String job(DeadLetterTask t, int n) {
    return DeadLetterTask.attemptJobName(t.getMetadata().getName(), n);
  }

  /** A budget of {@link #NS} selecting dependency=db. */
  static RetryBudget budget(String window, int percent, int minPerMinute) {
    RetryBudget b = new RetryBudget();
    ObjectMeta meta = new ObjectMeta();
    meta.setName("db");
    meta.setNamespace(NS);
    meta.setUid("uid-db");
    meta.setGeneration(1L);
    b.setMetadata(meta);
    RetryBudgetSpec spec = new RetryBudgetSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("dependency", "db").build());
    spec.setWindow(window);
    spec.setPercent(percent);
    spec.setMinRetriesPerMinute(minPerMinute);
    b.setSpec(spec);
    return b;
  }

  static CircuitBreakerPolicy breaker(
      String keyLabel, int failureRate, int minAttempts, int probes) {
    CircuitBreakerPolicy p = new CircuitBreakerPolicy();
    p.setKeyLabel(keyLabel);
    p.setFailureRate(failureRate);
    p.setMinAttempts(minAttempts);
    p.setWindow("1m");
    p.setOpenFor("30s");
    p.setHalfOpenProbes(probes);
    return p;
  }
}
