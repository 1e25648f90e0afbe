package dev.deadletter.budget.bench;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.CircuitBreakerPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetSpec;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.budget.RetryBudgetLedger;
import dev.deadletter.policy.Timestamps;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Time per {@link RetryBudgetLedger#admit} and per {@link RetryBudgetLedger#report} with N selected
 * tasks of 10-entry histories, a quarter of them running, while one task a step gets a new status
 * (a new resourceVersion, as the informer would deliver it). Wall time and the thread's CPU time
 * (steadier on shared cores; GC threads not included). Seeded; not a test (no *Test name):
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat target/test-classpath.txt) \
 *     dev.deadletter.budget.bench.LedgerBenchmark 1000 5000 20000
 * </pre>
 */
public final class LedgerBenchmark {

  private static final String NS = "bench";
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final long SEED = 42;
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private final Random random = new Random(SEED);
  private final Map<String, DeadLetterTask> tasks = new HashMap<>();
  private final List<String> names = new ArrayList<>();
  private long resourceVersion = 1000;

  public static void main(String[] args) {
    int[] sizes =
        args.length == 0
            ? new int[] {1000, 5000, 20000}
            : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    System.out.printf(
        "%7s %7s %10s %10s %10s %10s %8s %10s %10s%n",
        "tasks",
        "admits",
        "admit-mean",
        "admit-p50",
        "admit-p90",
        "admit-cpu",
        "reports",
        "report-mean",
        "report-cpu");
    for (int n : sizes) {
      new LedgerBenchmark().run(n);
    }
  }

  private void run(int n) {
    for (int i = 0; i < n; i++) {
      DeadLetterTask t = task("t" + i, i % 4 == 0);
      tasks.put(t.getMetadata().getName(), t);
      names.add(t.getMetadata().getName());
    }
    RetryBudgetLedger ledger = new RetryBudgetLedger();
    ledger.readTasksFrom(ns -> NS.equals(ns) ? tasks.values().stream() : Stream.empty());
    List<RetryBudget> budgets = List.of(budget());
    Instant now = T0;
    // warm-up: the JIT, and (after the change) the memo's first fill
    long warmUntil = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < warmUntil) {
      now = step(ledger, budgets, now);
    }
    List<Long> admits = new ArrayList<>();
    long admitCpu = 0;
    long until = System.nanoTime() + 5_000_000_000L;
    while (admits.size() < 5 || System.nanoTime() < until && admits.size() < 2000) {
      now = now.plusMillis(10);
      churn(now);
      DeadLetterTask t = tasks.get(names.get(random.nextInt(n)));
      int attempt = t.getStatus().getAttempts() + 1;
      String job = DeadLetterTask.attemptJobName(t.getMetadata().getName(), attempt);
      long cpu = CPU.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      boolean admitted = ledger.admit(t, attempt, job, budgets, now).isEmpty();
      admits.add(System.nanoTime() - start);
      admitCpu += CPU.getCurrentThreadCpuTime() - cpu;
      if (admitted) {
        ledger.release(job); // keeps the state steady from step to step
      }
    }
    List<Long> reports = new ArrayList<>();
    long reportCpu = 0;
    until = System.nanoTime() + 3_000_000_000L;
    while (reports.size() < 3 || System.nanoTime() < until && reports.size() < 500) {
      now = now.plusMillis(10);
      churn(now);
      long cpu = CPU.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      ledger.report(budgets.get(0), now);
      reports.add(System.nanoTime() - start);
      reportCpu += CPU.getCurrentThreadCpuTime() - cpu;
    }
    admits.sort(null);
    System.out.printf(
        "%7d %7d %8.3fms %8.3fms %8.3fms %8.3fms %8d %8.3fms %8.3fms%n",
        n,
        admits.size(),
        mean(admits),
        admits.get(admits.size() / 2) / 1e6,
        admits.get(admits.size() * 9 / 10) / 1e6,
        admitCpu / 1e6 / admits.size(),
        reports.size(),
        mean(reports),
        reportCpu / 1e6 / reports.size());
  }

  private Instant step(RetryBudgetLedger ledger, List<RetryBudget> budgets, Instant now) {
    Instant next = now.plusMillis(10);
    churn(next);
    DeadLetterTask t = tasks.get(names.get(random.nextInt(names.size())));
    int attempt = t.getStatus().getAttempts() + 1;
    String job = DeadLetterTask.attemptJobName(t.getMetadata().getName(), attempt);
    if (ledger.admit(t, attempt, job, budgets, next).isEmpty()) {
      ledger.release(job);
    }
    ledger.report(budgets.get(0), next);
    return next;
  }

  private static double mean(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
  }

  /** One task's status changes: its oldest record drops off, a new attempt is recorded. */
  private void churn(Instant now) {
    String name = names.get(random.nextInt(names.size()));
    DeadLetterTask old = tasks.get(name);
    DeadLetterTask t = new DeadLetterTask();
    t.setMetadata(meta(name, old.getMetadata().getUid()));
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    status.setRound(old.getStatus().getRound());
    List<AttemptRecord> history = new ArrayList<>(old.getStatus().getHistory());
    history.remove(0);
    int attempt = old.getStatus().getAttempts() + 1;
    history.add(record(name, attempt, now.minusSeconds(3), now.minusSeconds(1)));
    status.setHistory(history);
    status.setAttempts(attempt);
    status.setPhase(TaskPhase.BackingOff);
    t.setStatus(status);
    tasks.put(name, t);
  }

  /** Ten attempts over the last ten minutes, a third failed; running ones have an eleventh. */
  private DeadLetterTask task(String name, boolean running) {
    DeadLetterTask t = new DeadLetterTask();
    t.setMetadata(meta(name, "uid-" + name));
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    RoundStatus round = new RoundStatus();
    round.setNumber(1);
    round.setFirstAttempt(1);
    status.setRound(round);
    List<AttemptRecord> history = new ArrayList<>();
    Instant start = T0.minusSeconds(600 + random.nextInt(60));
    for (int a = 1; a <= 10; a++) {
      start = start.plusSeconds(30 + random.nextInt(30));
      history.add(record(name, a, start, start.plusSeconds(1 + random.nextInt(20))));
    }
    status.setHistory(history);
    status.setAttempts(running ? 11 : 10);
    status.setActiveJob(running ? DeadLetterTask.attemptJobName(name, 11) : null);
    status.setPhase(running ? TaskPhase.Running : TaskPhase.BackingOff);
    t.setStatus(status);
    return t;
  }

  private AttemptRecord record(String task, int attempt, Instant start, Instant finish) {
    boolean failed = random.nextInt(3) == 0;
    AttemptRecord r = new AttemptRecord();
    r.setAttempt(attempt);
    r.setJob(DeadLetterTask.attemptJobName(task, attempt));
    r.setStartTime(Timestamps.format(start));
    r.setFinishTime(Timestamps.format(finish));
    r.setOutcome(failed ? Outcome.Failed : Outcome.Succeeded);
    r.setRule(failed ? "db-down" : null);
    return r;
  }

  private ObjectMeta meta(String name, String uid) {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(NS);
    meta.setUid(uid);
    meta.setResourceVersion(Long.toString(++resourceVersion));
    meta.setLabels(Map.of("dependency", "db"));
    return meta;
  }

  private static RetryBudget budget() {
    RetryBudget b = new RetryBudget();
    ObjectMeta meta = new ObjectMeta();
    meta.setName("db");
    meta.setNamespace(NS);
    meta.setUid("uid-budget-db");
    b.setMetadata(meta);
    RetryBudgetSpec spec = new RetryBudgetSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("dependency", "db").build());
    spec.setWindow("1m");
    spec.setPercent(20);
    spec.setMinRetriesPerMinute(10);
    CircuitBreakerPolicy breaker = new CircuitBreakerPolicy();
    breaker.setFailureRate(50);
    breaker.setMinAttempts(10);
    breaker.setWindow("1m");
    breaker.setOpenFor("30s");
    breaker.setHalfOpenProbes(1);
    spec.setCircuitBreaker(breaker);
    b.setSpec(spec);
    return b;
  }
}
