package dev.deadletter.budget;

import static dev.deadletter.budget.BudgetTasks.T0;
import static dev.deadletter.budget.BudgetTasks.breaker;
import static dev.deadletter.budget.BudgetTasks.ended;
import static dev.deadletter.budget.BudgetTasks.running;
import static dev.deadletter.budget.BudgetTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.CircuitStatus.State;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A budget's circuit breakers, judged from the selected tasks' attempts and the clock. */
class CircuitBreakerTest {

  private static CircuitBreaker byLabel(int failureRate, int minAttempts, int probes) {
    RetryBudget b = BudgetTasks.budget("1m", 20, 10);
    b.getSpec().setCircuitBreaker(breaker("dependency", failureRate, minAttempts, probes));
    return new CircuitBreaker(EffectiveBudget.of(b).circuitBreaker().orElseThrow());
  }

  private static CircuitBreaker byRule() {
    RetryBudget b = BudgetTasks.budget("1m", 20, 10);
    b.getSpec().setCircuitBreaker(breaker(null, 50, 4, 1));
    return new CircuitBreaker(EffectiveBudget.of(b).circuitBreaker().orElseThrow());
  }

  /**
   * {@code failed} of {@code n} tasks' first attempts failed (rule "db-down"), ending at {@code
   * at}.
   */
  private static List<DeadLetterTask> firstAttempts(int n, int failed, Instant at) {
    List<DeadLetterTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DeadLetterTask t = task("t" + i);
      ended(t, 1, at.minusSeconds(5), at, i < failed, "db-down");
      tasks.add(t);
    }
    return tasks;
  }

  private static List<AttemptFact> facts(List<DeadLetterTask> tasks) {
    return tasks.stream().flatMap(t -> AttemptFact.of(t).stream()).toList();
  }

  @Test
  void opensWhenMoreThanTheFailureRateOfEnoughAttemptsFailed() {
    CircuitBreaker breaker = byLabel(50, 10, 1);
    Instant now = T0.plusSeconds(10);

    assertThat(breaker.judge("db", null, facts(firstAttempts(10, 5, T0)), now).getState())
        .as("5 of 10 is not more than 50%")
        .isEqualTo(State.Closed);
    assertThat(breaker.judge("db", null, facts(firstAttempts(9, 9, T0)), now).getState())
        .as("9 attempts are fewer than minAttempts")
        .isEqualTo(State.Closed);
    CircuitStatus open = breaker.judge("db", null, facts(firstAttempts(10, 6, T0)), now);
    assertThat(open.getState()).isEqualTo(State.Open);
    assertThat(open.getUntil()).isEqualTo("2030-01-01T00:00:40Z");
    assertThat(open.getFailures()).isEqualTo(6);
    assertThat(breaker.judge("registry", null, facts(firstAttempts(10, 10, T0)), now).getState())
        .as("another key's failures do not count")
        .isEqualTo(State.Closed);
    assertThat(
            breaker
                .judge("db", null, facts(firstAttempts(10, 10, T0)), T0.plusSeconds(61))
                .getState())
        .as("failures that ended before the window")
        .isEqualTo(State.Closed);
  }

  @Test
  void anOpenCircuitAdmitsNoRetryUntilOpenForThenOnlyItsProbes() {
    CircuitBreaker breaker = byLabel(50, 10, 2);
    List<DeadLetterTask> tasks = firstAttempts(10, 10, T0);
    CircuitStatus open = breaker.judge("db", null, facts(tasks), T0.plusSeconds(1));
    assertThat(breaker.admits(open, facts(tasks))).isFalse();
    assertThat(breaker.judge("db", open, facts(tasks), T0.plusSeconds(30))).isSameAs(open);

    CircuitStatus half = breaker.judge("db", open, facts(tasks), T0.plusSeconds(31));
    assertThat(half.getState()).isEqualTo(State.HalfOpen);
    assertThat(half.getSince()).isEqualTo("2030-01-01T00:00:31Z");
    assertThat(breaker.admits(half, facts(tasks))).isTrue();

    running(tasks.get(0), 2); // a probe started (its start unknown here: counted as one)
    running(tasks.get(1), 2);
    assertThat(breaker.admits(half, facts(tasks))).as("2 probes are running").isFalse();
  }

  @Test
  void aFailedProbeReopensAndSuccessfulProbesClose() {
    CircuitBreaker breaker = byLabel(50, 10, 2);
    List<DeadLetterTask> tasks = firstAttempts(10, 10, T0);
    CircuitStatus half =
        breaker.judge(
            "db",
            breaker.judge("db", null, facts(tasks), T0.plusSeconds(1)),
            facts(tasks),
            T0.plusSeconds(40));
    Instant probeStart = T0.plusSeconds(41);

    ended(tasks.get(0), 2, probeStart, probeStart.plusSeconds(5), false, null);
    CircuitStatus stillHalf = breaker.judge("db", half, facts(tasks), T0.plusSeconds(50));
    assertThat(stillHalf.getState()).as("1 of 2 probes succeeded").isEqualTo(State.HalfOpen);

    List<DeadLetterTask> failing = new ArrayList<>(tasks);
    DeadLetterTask t1 = failing.get(1);
    ended(t1, 2, probeStart, probeStart.plusSeconds(6), true, "db-down");
    CircuitStatus reopened = breaker.judge("db", stillHalf, facts(failing), T0.plusSeconds(50));
    assertThat(reopened.getState()).isEqualTo(State.Open);
    assertThat(reopened.getUntil()).isEqualTo("2030-01-01T00:01:20Z");
  }

  @Test
  void aClosedCircuitForgetsTheFailuresBeforeItClosed() {
    CircuitBreaker breaker = byLabel(50, 10, 1);
    List<DeadLetterTask> tasks = firstAttempts(10, 10, T0);
    CircuitStatus half =
        breaker.judge(
            "db",
            breaker.judge("db", null, facts(tasks), T0.plusSeconds(1)),
            facts(tasks),
            T0.plusSeconds(32));
    ended(tasks.get(0), 2, T0.plusSeconds(33), T0.plusSeconds(35), false, null);

    CircuitStatus closed = breaker.judge("db", half, facts(tasks), T0.plusSeconds(36));
    assertThat(closed.getState()).isEqualTo(State.Closed);
    CircuitStatus later = breaker.judge("db", closed, facts(tasks), T0.plusSeconds(40));
    assertThat(later.getState())
        .as("the 10 failures of the window ended before it closed")
        .isEqualTo(State.Closed);
  }

  @Test
  void byRuleOnlyFailuresThatMatchedTheRuleCountAndItsRetriesProbe() {
    CircuitBreaker breaker = byRule();
    List<DeadLetterTask> tasks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      DeadLetterTask t = task("t" + i);
      ended(t, 1, T0, T0.plusSeconds(1), true, i < 3 ? "db-down" : "bad-input");
      tasks.add(t);
    }
    Instant now = T0.plusSeconds(2);
    assertThat(breaker.keys(facts(tasks), List.of(), now)).containsExactly("bad-input", "db-down");
    CircuitStatus dbDown = breaker.judge("db-down", null, facts(tasks), now);
    assertThat(dbDown.getState()).as("3 of 4 attempts failed on db-down").isEqualTo(State.Open);
    assertThat(breaker.judge("bad-input", null, facts(tasks), now).getState())
        .isEqualTo(State.Closed);
    assertThat(breaker.keyOfNextRetry(tasks.get(3).getMetadata().getLabels(), "bad-input"))
        .contains("bad-input");
  }
}
