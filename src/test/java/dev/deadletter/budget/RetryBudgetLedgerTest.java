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
import dev.deadletter.policy.BudgetHold;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The ledger: one token per retry, never two passes on one, across threads and restarts. */
class RetryBudgetLedgerTest {

  /** {@code n} tasks whose first attempt failed 10s before {@code now}. */
  private static Map<String, DeadLetterTask> failedOnce(int n, Instant now) {
    Map<String, DeadLetterTask> tasks = new ConcurrentHashMap<>();
    for (int i = 0; i < n; i++) {
      DeadLetterTask t = task("t" + i);
      ended(t, 1, now.minusSeconds(20), now.minusSeconds(10), true, "db-down");
      tasks.put(t.getMetadata().getName(), t);
    }
    return tasks;
  }

  private static RetryBudgetLedger ledger(Map<String, DeadLetterTask> tasks) {
    RetryBudgetLedger ledger = new RetryBudgetLedger();
    ledger.readTasksFrom(ns -> tasks.values().stream().filter(t -> ns.equals(NS)));
    return ledger;
  }

  @Test
  void passesOnManyThreadsNeverTakeMoreTokensThanTheBudgetAllows() throws Exception {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(100, now); // 100 first attempts: 20% = 20
    RetryBudgetLedger ledger = ledger(tasks);
    List<RetryBudget> budgets = List.of(budget("1m", 20, 10));
    AtomicInteger admitted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    for (DeadLetterTask t : tasks.values()) {
      pool.submit(
          () -> {
            go.await();
            if (ledger.admit(t, 2, job(t, 2), budgets, now).isEmpty()) {
              admitted.incrementAndGet();
            }
            return null;
          });
    }
    go.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(admitted.get()).isEqualTo(20);
  }

  @Test
  void aRestartedLedgerSpendsNoTokenTwice() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(50, now); // 20% of 50 = 10
    List<RetryBudget> budgets = List.of(budget("1m", 20, 0));
    RetryBudgetLedger before = ledger(tasks);
    List<DeadLetterTask> started = new ArrayList<>();
    for (DeadLetterTask t : tasks.values()) {
      if (before.admit(t, 2, job(t, 2), budgets, now).isEmpty()) {
        running(t, 2); // the Job was created and the status written
        started.add(t);
      }
    }
    assertThat(started).hasSize(10);

    RetryBudgetLedger after = ledger(tasks); // the operator restarted: no grants in memory
    long more =
        tasks.values().stream()
            .filter(t -> !started.contains(t))
            .filter(t -> after.admit(t, 2, job(t, 2), budgets, now.plusSeconds(5)).isEmpty())
            .count();

    assertThat(more).isZero();
    Optional<BudgetHold> hold =
        after.admit(task("t49"), 2, "x", budgets, now.plusSeconds(5)).or(Optional::empty);
    assertThat(after.report(budgets.get(0), now.plusSeconds(5)).window().retries()).isEqualTo(10);
    assertThat(hold).isPresent();
  }

  @Test
  void aPassWhoseClockWasReadBeforeAnotherPassCreatedItsJobStillCountsThatRetry() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(2, now);
    RetryBudgetLedger ledger = ledger(tasks);
    List<RetryBudget> budgets = List.of(budget("1m", 0, 1)); // one retry a minute
    DeadLetterTask a = tasks.get("t0");
    DeadLetterTask b = tasks.get("t1");

    assertThat(ledger.admit(a, 2, job(a, 2), budgets, now)).isEmpty();
    ledger.created(job(a, 2), now.plusMillis(300)); // re-timed to after its create

    assertThat(ledger.admit(b, 2, job(b, 2), budgets, now.plusMillis(100)))
        .as("b read the clock before a's create returned: a's token is spent all the same")
        .isPresent();
  }

  @Test
  void aTokenWhoseJobWasNotCreatedGoesBack() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(2, now);
    RetryBudgetLedger ledger = ledger(tasks);
    List<RetryBudget> budgets = List.of(budget("1m", 0, 1)); // one retry a minute
    DeadLetterTask a = tasks.get("t0");
    DeadLetterTask b = tasks.get("t1");

    assertThat(ledger.admit(a, 2, job(a, 2), budgets, now)).isEmpty();
    Optional<BudgetHold> held = ledger.admit(b, 2, job(b, 2), budgets, now);
    assertThat(held).get().extracting(BudgetHold::reason).isEqualTo(BudgetHold.BUDGET_EXHAUSTED);
    assertThat(held.get().detail()).isEqualTo("the retries it allows per 1m0s are spent");
    assertThat(ledger.heldBy(NS + "/db")).containsExactly(Map.entry("t1", NS));

    ledger.release(job(a, 2)); // refused by a quota
    assertThat(ledger.admit(b, 2, job(b, 2), budgets, now)).isEmpty();
    assertThat(ledger.heldBy(NS + "/db")).isEmpty();
  }

  @Test
  void tasksTheBudgetDoesNotSelectAreNeverHeld() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(3, now);
    DeadLetterTask other = tasks.get("t2");
    other.getMetadata().setLabels(Map.of("dependency", "registry"));
    BudgetTasks.written(other);
    RetryBudgetLedger ledger = ledger(tasks);
    List<RetryBudget> budgets = List.of(budget("1m", 0, 0)); // no retry at all

    assertThat(ledger.admit(other, 2, job(other, 2), budgets, now)).isEmpty();
    assertThat(ledger.admit(tasks.get("t0"), 2, job(tasks.get("t0"), 2), budgets, now)).isPresent();
  }

  @Test
  void anOpenCircuitRecordedInStatusHoldsRetriesAfterARestart() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(1, now);
    RetryBudget budget = budget("1m", 100, 100);
    budget.getSpec().setCircuitBreaker(breaker("dependency", 50, 10, 1));
    RetryBudgetStatus status = new RetryBudgetStatus();
    status.setCircuits(
        List.of(
            new CircuitStatus(
                "db", CircuitStatus.State.Open, "2030-01-01T00:00:20Z", "2030-01-01T00:00:50Z")));
    budget.setStatus(status);
    RetryBudgetLedger ledger = ledger(tasks); // one failure only: it would not open it again
    DeadLetterTask t = tasks.get("t0");

    Optional<BudgetHold> hold = ledger.admit(t, 2, job(t, 2), List.of(budget), now);

    assertThat(hold).get().extracting(BudgetHold::reason).isEqualTo(BudgetHold.CIRCUIT_OPEN);
    assertThat(hold.get().detail()).isEqualTo("circuit db is open until 2030-01-01T00:00:50Z");
    assertThat(hold.get().recheckAt()).isEqualTo(Instant.parse("2030-01-01T00:00:50.001Z"));
    assertThat(ledger.admit(t, 2, job(t, 2), List.of(budget), T0.plusSeconds(51)))
        .as("half-open: its one probe goes through")
        .isEmpty();
  }

  @Test
  void aCircuitOpensOnTheStormAndItsTransitionsAreReportedOnce() {
    Instant now = T0.plusSeconds(30);
    Map<String, DeadLetterTask> tasks = failedOnce(20, now);
    RetryBudget budget = budget("1m", 100, 100);
    budget.getSpec().setCircuitBreaker(breaker("dependency", 50, 10, 1));
    RetryBudgetLedger ledger = ledger(tasks);
    DeadLetterTask t = tasks.get("t0");

    assertThat(ledger.admit(t, 2, job(t, 2), List.of(budget), now))
        .get()
        .extracting(BudgetHold::reason)
        .isEqualTo(BudgetHold.CIRCUIT_OPEN);
    BudgetReport report = ledger.report(budget, now);
    assertThat(report.openCircuits()).isEqualTo(1);
    assertThat(report.heldTasks()).isEqualTo(1);
    assertThat(report.transitions())
        .extracting(CircuitStatus::getState)
        .containsExactly(CircuitStatus.State.Open);
    assertThat(ledger.report(budget, now).transitions()).isEmpty();
  }

  /**
   * Seeded random storms: tasks fail and retry as the ledger allows, on a moving clock; in every
   * window no more retries start than the budget allowed when each started.
   */
  @Test
  void noWindowEverHoldsMoreRetriesThanTheBudgetAllows() {
    for (long seed = 1; seed <= 30; seed++) {
      Random random = new Random(seed);
      Instant start = T0.plusSeconds(600);
      int n = 20 + random.nextInt(80);
      Map<String, DeadLetterTask> tasks = failedOnce(n, start);
      RetryBudget budget = budget("1m", random.nextInt(50), random.nextInt(20));
      RetryBudgetLedger ledger = ledger(tasks);
      EffectiveBudget effective = EffectiveBudget.of(budget);
      List<Instant> retryStarts = new ArrayList<>();
      Instant now = start;
      for (int step = 0; step < 200; step++) {
        now = now.plusMillis(random.nextInt(3000));
        DeadLetterTask t = tasks.get("t" + random.nextInt(n));
        int attempt = t.getStatus().getAttempts();
        if (t.getStatus().getActiveJob() != null) {
          ended(t, attempt, now.minusSeconds(1), now, true, "db-down"); // the retry failed
          continue;
        }
        if (ledger.admit(t, attempt + 1, job(t, attempt + 1), List.of(budget), now).isEmpty()) {
          running(t, attempt + 1);
          retryStarts.add(now);
          Instant at = now;
          long inWindow =
              retryStarts.stream().filter(s -> s.isAfter(at.minus(effective.window()))).count();
          int firstInWindow = start.minusSeconds(20).isAfter(at.minus(effective.window())) ? n : 0;
          assertThat(inWindow)
              .as("seed %d at %s", seed, at)
              .isLessThanOrEqualTo(effective.allowedRetries(firstInWindow));
        }
      }
    }
  }

  // --- the operator's clock against the API server's ---

  /**
   * A retry of task a spends the only token of a minute; b asks every 100 ms after. Recorded starts
   * are the API server's creationTimestamps (whole seconds); {@code now} and the grants are the
   * operator's clock, {@code operatorAhead} seconds ahead of the server's (negative: behind). The
   * server's window before b's create must not hold a's retry too; b may wait a few seconds longer
   * than the minute, no more.
   *
   * @param aRunsFor how long a's retry runs: until it ends, the ledger counts it from its grant
   *     (the operator's clock), then from its record (the server's)
   */
  @ParameterizedTest(name = "operator {0}s ahead, a's retry runs {1}s")
  @CsvSource({"-5, 10", "5, 10", "-5, 90", "5, 90", "0, 10"})
  void aSkewedOperatorClockNeverLetsTwoRetriesIntoOneMinuteOfTheServer(
      long operatorAhead, long aRunsFor) {
    Duration skew = Duration.ofSeconds(operatorAhead);
    Instant server = T0.plusSeconds(100).plusMillis(400); // a's retry is created
    Map<String, DeadLetterTask> tasks = failedOnce(2, server);
    RetryBudgetLedger ledger = ledger(tasks);
    List<RetryBudget> budgets = List.of(budget("1m", 0, 1)); // one retry a minute
    DeadLetterTask a = tasks.get("t0");
    DeadLetterTask b = tasks.get("t1");
    assertThat(ledger.admit(a, 2, job(a, 2), budgets, server.plus(skew))).isEmpty();
    ledger.created(job(a, 2), server.plus(skew));
    running(a, 2);

    Instant bCreated = null;
    for (Instant t = server.plusSeconds(1); bCreated == null; t = t.plusMillis(100)) {
      if (t.equals(server.plusSeconds(aRunsFor))) {
        ended(a, 2, server.truncatedTo(ChronoUnit.SECONDS), t, true, "db-down");
      }
      if (ledger.admit(b, 2, job(b, 2), budgets, t.plus(skew)).isEmpty()) {
        bCreated = t;
      }
      assertThat(t).as("b is held far too long").isBefore(server.plusSeconds(120));
    }

    assertThat(bCreated)
        .as("the server's minute before b's create holds a's retry too")
        .isAfterOrEqualTo(server.plusSeconds(60));
    assertThat(bCreated)
        .as("held longer only by the second of precision and the skew allowed for")
        .isBefore(server.plusSeconds(60 + 1 + 2 * 5 + 1));
  }

  /**
   * A percent budget: the one first attempt of the last minute allows one retry. Its start is the
   * server's; once it is a minute old on the server's clock, the operator's must not count it.
   */
  @ParameterizedTest(name = "operator {0}s ahead")
  @ValueSource(longs = {-5, 0, 5})
  void aSkewedOperatorClockCountsNoFirstAttemptTheServersWindowHasLeft(long operatorAhead) {
    Duration skew = Duration.ofSeconds(operatorAhead);
    Instant first = T0.plusSeconds(600); // the server's creationTimestamp of f's first attempt
    List<RetryBudget> budgets = List.of(budget("1m", 100, 0));

    for (long after = 61; after <= 70; after++) {
      Map<String, DeadLetterTask> tasks = firstAttemptAt(first);
      DeadLetterTask r = tasks.get("r");
      assertThat(ledger(tasks).admit(r, 2, job(r, 2), budgets, first.plusSeconds(after).plus(skew)))
          .as("%ds after the first attempt on the server's clock: its allowance is gone", after)
          .isPresent();
    }
    Map<String, DeadLetterTask> tasks = firstAttemptAt(first);
    DeadLetterTask r = tasks.get("r");
    assertThat(ledger(tasks).admit(r, 2, job(r, 2), budgets, first.plusSeconds(30).plus(skew)))
        .as("half a minute after it, its retry is allowed")
        .isEmpty();
  }

  /** Task f's first attempt started at {@code first}; r's failed long before and may retry. */
  private static Map<String, DeadLetterTask> firstAttemptAt(Instant first) {
    DeadLetterTask f = task("f");
    ended(f, 1, first, first.plusSeconds(5), true, "db-down");
    DeadLetterTask r = task("r");
    ended(r, 1, first.minusSeconds(600), first.minusSeconds(590), true, "db-down");
    return new ConcurrentHashMap<>(Map.of("f", f, "r", r));
  }
}
