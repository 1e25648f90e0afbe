package dev.deadletter.metrics;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.budget.BudgetReport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * RetryBudgets as last reported: deadletter_budget_{retries,allowed_retries,running_retries,
 * held_tasks}{namespace,budget}, deadletter_circuit_state{namespace,budget,key} (0 closed, 1 open,
 * 2 half-open). Holds are counted by {@link TaskMetrics#retryHeld}.
 */
public class BudgetMetrics {

  /** A budget not reported for this long (deleted) leaves the gauges. */
  static final Duration STALE = Duration.ofMinutes(2);

  private record Reported(String namespace, String budget, BudgetReport report, Instant at) {}

  private final MeterRegistry registry;
  private final Map<String, Reported> reports = new ConcurrentHashMap<>();
  private final MultiGauge retries;
  private final MultiGauge allowed;
  private final MultiGauge running;
  private final MultiGauge held;
  private final MultiGauge circuits;

  public BudgetMetrics(MeterRegistry registry) {
    this.registry = registry;
    retries = gauge("deadletter.budget.retries", "Retries started in the budget's window");
    allowed = gauge("deadletter.budget.allowed.retries", "Retries the budget allows per window");
    running = gauge("deadletter.budget.running.retries", "Retry attempts running now");
    held = gauge("deadletter.budget.held.tasks", "Tasks whose next retry the budget holds back");
    circuits = gauge("deadletter.circuit.state", "Circuit state: 0 closed, 1 open, 2 half-open");
  }

  public synchronized void reported(
      String namespace, String budget, BudgetReport report, Instant now) {
    reports.put(namespace + "/" + budget, new Reported(namespace, budget, report, now));
    reports.values().removeIf(r -> r.at().isBefore(now.minus(STALE)));
    retries.register(rows(r -> r.window().retries()), true);
    allowed.register(rows(r -> r.window().allowed()), true);
    running.register(rows(r -> r.window().running()), true);
    held.register(rows(BudgetReport::heldTasks), true);
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    for (Reported r : reports.values()) {
      for (CircuitStatus c : r.report().circuits()) {
        int value =
            switch (c.getState()) {
              case Closed -> 0;
              case Open -> 1;
              case HalfOpen -> 2;
            };
        states.add(
            MultiGauge.Row.of(
                Tags.of("namespace", r.namespace(), "budget", r.budget(), "key", c.getKey()),
                value));
      }
    }
    circuits.register(states, true);
  }

  private List<MultiGauge.Row<?>> rows(ToIntFunction<BudgetReport> value) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (Reported r : reports.values()) {
      rows.add(
          MultiGauge.Row.of(
              Tags.of("namespace", r.namespace(), "budget", r.budget()),
              value.applyAsInt(r.report())));
    }
    return rows;
  }

  private MultiGauge gauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }
}
