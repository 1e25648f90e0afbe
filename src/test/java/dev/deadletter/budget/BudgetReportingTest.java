package dev.deadletter.budget;

import static dev.deadletter.budget.BudgetTasks.NS;
import static dev.deadletter.budget.BudgetTasks.T0;
import static dev.deadletter.budget.BudgetTasks.breaker;
import static dev.deadletter.budget.BudgetTasks.budget;
import static dev.deadletter.budget.BudgetTasks.ended;
import static dev.deadletter.budget.BudgetTasks.job;
import static dev.deadletter.budget.BudgetTasks.running;
import static dev.deadletter.budget.BudgetTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetStatus;
import dev.deadletter.metrics.BudgetMetrics;
import dev.deadletter.policy.BudgetHold;
import dev.deadletter.policy.TaskEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** What a budget reports: its status, its Events on circuit changes, its metrics. */
class BudgetReportingTest {

  private final Map<String, DeadLetterTask> tasks = new ConcurrentHashMap<>();
  private final RetryBudgetLedger ledger = new RetryBudgetLedger();

  BudgetReportingTest() {
    ledger.readTasksFrom(ns -> tasks.values().stream().filter(t -> ns.equals(NS)));
  }

  private void failedOnce(int n, Instant at) {
    for (int i = 0; i < n; i++) {
      DeadLetterTask t = task("t" + i);
      ended(t, 1, at.minusSeconds(5), at, true, "db-down");
      tasks.put(t.getMetadata().getName(), t);
    }
  }

  @Test
  void theStatusCountsTheWindowAndSaysWhenTheBudgetIsSpent() {
    failedOnce(10, T0);
    RetryBudget budget = budget("1m", 20, 2); // 20 % of 10 first attempts = 2, the floor is 2
    Instant now = T0.plusSeconds(10);
    for (String name : List.of("t0", "t1", "t2")) {
      DeadLetterTask t = tasks.get(name);
      if (ledger.admit(t, 2, job(t, 2), List.of(budget), now).isEmpty()) {
        running(t, 2);
      }
    }

    RetryBudgetStatus status = BudgetStatuses.of(budget, ledger.report(budget, now), now);

    assertThat(status.getSelectedTasks()).isEqualTo(10);
    assertThat(status.getFirstAttempts()).isEqualTo(10);
    assertThat(status.getRetries()).isEqualTo(2);
    assertThat(status.getAllowedRetries()).isEqualTo(2);
    assertThat(status.getRunningRetries()).isEqualTo(2);
    assertThat(status.getHeldTasks()).as("t2 waits").isEqualTo(1);
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.condition(RetryBudgetStatus.EXHAUSTED).getStatus()).isEqualTo("True");
    assertThat(status.condition(RetryBudgetStatus.EXHAUSTED).getMessage())
        .isEqualTo("2 of 2 retries allowed per 1m0s started");
    assertThat(status.condition(RetryBudgetStatus.CIRCUIT_OPEN).getStatus()).isEqualTo("False");
  }

  @Test
  void maxConcurrentRetriesHoldsRetriesWhileThatManyRun() {
    failedOnce(3, T0);
    RetryBudget budget = budget("1m", 100, 100);
    budget.getSpec().setMaxConcurrentRetries(1);
    DeadLetterTask a = tasks.get("t0");
    DeadLetterTask b = tasks.get("t1");
    Instant now = T0.plusSeconds(10);

    assertThat(ledger.admit(a, 2, job(a, 2), List.of(budget), now)).isEmpty();
    running(a, 2);
    assertThat(ledger.admit(b, 2, job(b, 2), List.of(budget), now))
        .get()
        .extracting(BudgetHold::detail)
        .isEqualTo("maxConcurrentRetries (1) retries are running");

    ended(a, 2, now, now.plusSeconds(3), true, "db-down");
    assertThat(ledger.admit(b, 2, job(b, 2), List.of(budget), now.plusSeconds(4))).isEmpty();
  }

  @Test
  void aCircuitThatOpensAndClosesIsAnEventEachAndItsStateIsInTheStatus() {
    failedOnce(12, T0);
    RetryBudget budget = budget("1m", 100, 100);
    budget.getSpec().setCircuitBreaker(breaker("dependency", 50, 10, 1));
    Instant now = T0.plusSeconds(1);

    BudgetReport opened = ledger.report(budget, now);
    RetryBudgetStatus status = BudgetStatuses.of(budget, opened, now);
    assertThat(status.getOpenCircuits()).isEqualTo(1);
    assertThat(status.getCircuits())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getKey()).isEqualTo("db");
              assertThat(c.getState()).isEqualTo(CircuitStatus.State.Open);
              assertThat(c.getUntil()).isEqualTo("2030-01-01T00:00:31Z");
            });
    assertThat(status.condition(RetryBudgetStatus.CIRCUIT_OPEN).getMessage()).isEqualTo("db Open");
    assertThat(BudgetStatuses.events(opened))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(TaskEvent.CIRCUIT_OPENED);
              assertThat(e.message())
                  .isEqualTo(
                      "circuit db opened until 2030-01-01T00:00:31Z: 12 of 12 attempts failed");
            });
    budget.setStatus(status);

    DeadLetterTask probe = tasks.get("t0");
    Instant later = T0.plusSeconds(32);
    assertThat(ledger.admit(probe, 2, job(probe, 2), List.of(budget), later)).isEmpty();
    ended(probe, 2, later, later.plusSeconds(2), false, null);
    BudgetReport closed = ledger.report(budget, later.plusSeconds(3));

    assertThat(BudgetStatuses.events(closed))
        .extracting(TaskEvent::reason)
        .containsExactly(TaskEvent.CIRCUIT_HALF_OPEN, TaskEvent.CIRCUIT_CLOSED);
    assertThat(closed.openCircuits()).isZero();
  }

  @Test
  void theMetricsShowEachBudgetAndCircuit() {
    failedOnce(12, T0);
    RetryBudget budget = budget("1m", 100, 100);
    budget.getSpec().setCircuitBreaker(breaker("dependency", 50, 10, 1));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    BudgetMetrics metrics = new BudgetMetrics(registry);
    Instant now = T0.plusSeconds(1);

    metrics.reported(NS, "db", ledger.report(budget, now), now);

    assertThat(
            registry
                .get("deadletter.circuit.state")
                .tags("budget", "db", "key", "db")
                .gauge()
                .value())
        .isEqualTo(1);
    assertThat(
            registry.get("deadletter.budget.allowed.retries").tags("namespace", NS).gauge().value())
        .isEqualTo(100);
    assertThat(registry.get("deadletter.budget.retries").tags("budget", "db").gauge().value())
        .isZero();
  }
}
