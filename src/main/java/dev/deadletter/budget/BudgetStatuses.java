package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetStatus;
import dev.deadletter.policy.GoDuration;
import dev.deadletter.policy.TaskConditions;
import dev.deadletter.policy.TaskEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A budget's status and Events from a {@link BudgetReport}: pure. */
public final class BudgetStatuses {

  private BudgetStatuses() {}

  public static RetryBudgetStatus of(RetryBudget budget, BudgetReport report, Instant now) {
    RetryBudgetStatus previous =
        budget.getStatus() == null ? new RetryBudgetStatus() : budget.getStatus();
    long generation = generation(budget);
    EffectiveBudget b = EffectiveBudget.of(budget);
    BudgetWindow w = report.window();
    RetryBudgetStatus s = new RetryBudgetStatus();
    s.setObservedGeneration(generation);
    s.setSelectedTasks(report.selectedTasks());
    s.setFirstAttempts(w.firstAttempts());
    s.setRetries(w.retries());
    s.setAllowedRetries(w.allowed());
    s.setRunningRetries(w.running());
    s.setHeldTasks(report.heldTasks());
    s.setOpenCircuits((int) report.openCircuits());
    s.setCircuits(new ArrayList<>(report.circuits()));
    boolean full =
        b.maxConcurrentRetries().isPresent() && w.running() >= b.maxConcurrentRetries().getAsInt();
    String exhausted =
        w.spent()
            ? "%d of %d retries allowed per %s started"
                .formatted(w.retries(), w.allowed(), GoDuration.format(b.window()))
            : full ? "maxConcurrentRetries (%d) retries are running".formatted(w.running()) : "";
    List<String> open =
        report.circuits().stream()
            .filter(c -> c.getState() != CircuitStatus.State.Closed)
            .map(c -> c.getKey() + " " + c.getState())
            .toList();
    s.setConditions(
        List.of(
            TaskConditions.condition(
                RetryBudgetStatus.EXHAUSTED,
                w.spent() || full,
                w.spent() || full ? "RetriesSpent" : "RetriesLeft",
                exhausted.isEmpty()
                    ? "%d of %d retries allowed per %s started"
                        .formatted(w.retries(), w.allowed(), GoDuration.format(b.window()))
                    : exhausted,
                generation,
                previous.getConditions(),
                now),
            TaskConditions.condition(
                RetryBudgetStatus.CIRCUIT_OPEN,
                !open.isEmpty(),
                open.isEmpty() ? "AllClosed" : "Open",
                open.isEmpty() ? "every circuit is closed" : String.join(", ", open),
                generation,
                previous.getConditions(),
                now)));
    return s;
  }

  /** An Event per circuit that changed state: opened is a warning, the rest normal. */
  public static List<TaskEvent> events(BudgetReport report) {
    return report.transitions().stream()
        .map(
            c ->
                switch (c.getState()) {
                  case Open ->
                      new TaskEvent(
                          true,
                          TaskEvent.CIRCUIT_OPENED,
                          "circuit %s opened until %s: %s"
                              .formatted(c.getKey(), c.getUntil(), whyOpened(c)));
                  case HalfOpen ->
                      new TaskEvent(
                          false,
                          TaskEvent.CIRCUIT_HALF_OPEN,
                          "circuit %s is half-open: letting probes through".formatted(c.getKey()));
                  case Closed ->
                      new TaskEvent(
                          false,
                          TaskEvent.CIRCUIT_CLOSED,
                          "circuit %s closed: its probes succeeded".formatted(c.getKey()));
                })
        .collect(Collectors.toList());
  }

  /** A circuit opened on its failure rate has its counts; one reopened by a probe has none. */
  private static String whyOpened(CircuitStatus c) {
    return c.getAttempts() == null
        ? "a half-open probe failed"
        : "%d of %d attempts failed".formatted(c.getFailures(), c.getAttempts());
  }

  private static long generation(RetryBudget budget) {
    Long g = budget.getMetadata().getGeneration();
    return g == null ? 1 : g;
  }
}
