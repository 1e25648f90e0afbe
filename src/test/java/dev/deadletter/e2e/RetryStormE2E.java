package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.CircuitBreakerPolicy;
import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetSpec;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.TaskConditions;
import dev.deadletter.testing.AuditedCreates;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A retry storm held back by a RetryBudget and its circuit breaker: TASKS tasks of one dependency
 * whose pods fail (KWOK's sim.deadletter.dev/fail-until) until OUTAGE after they were created.
 * Without a budget they would retry every 1-5 s, about 12 retries a minute each; with it, retries
 * stay within the budget's allowance in every window, the tasks wait in BackingOff (CircuitOpen,
 * BudgetExhausted) instead of dead-lettering, and all succeed once the dependency is back.
 *
 * <p>The operator runs as a process of its own and is killed (SIGKILL) when the outage ends, while
 * its circuit is open and tasks wait on it; a second one goes on from the statuses: the window
 * check and the one-create-per-Job check span both.
 *
 * <p>Sizes, chosen for wall time (about 3.5 min, most of it the drain after the outage): the drain
 * runs at the budget's floor, minRetriesPerMinute 10, since no first attempt starts after the first
 * second (20 % of 25 first attempts is 5, below the floor), so it takes TASKS / 10 minutes. 25
 * tasks are the fewest that (a) open the circuit on their first attempts alone (minAttempts 20, all
 * failed), and (b) keep the drain over two windows, so the budget, not only the circuit, holds
 * tasks (BudgetExhausted) and the sliding-window check has something to bite on. OUTAGE 45 s puts
 * the circuit's first half-open probes (about 30 s after it opened) inside the outage, so they fail
 * and it opens again; the second probes, after it, succeed. 300 tasks would drain for 30 min.
 */
class RetryStormE2E {

  static final int TASKS = 25;
  static final Duration OUTAGE = Duration.ofSeconds(45);

  // The RetryBudget (planned shape: percent of first attempts, a floor per minute, a circuit).
  static final String BUDGET = "db";
  static final Duration WINDOW = Duration.ofMinutes(1);
  static final int PERCENT = 20;
  static final int MIN_RETRIES_PER_MINUTE = 10;
  static final Duration OPEN_FOR = Duration.ofSeconds(30);

  /**
   * The engine counts a retry from its Job's creationTimestamp (whole seconds) and keeps it 6 s
   * longer than the window (1 s for the rounding, 5 s for clock skew); this test holds it to less:
   * a window slid over the audit's receive times, shortened only by this much.
   */
  static final Duration CLOCK_SLACK = Duration.ofSeconds(2);

  static final Set<String> HELD = Set.of("BudgetExhausted", "CircuitOpen");

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-storm");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void aBudgetAndItsCircuitHoldTheRetriesOfAnOutageAndEveryTaskSucceedsAfterIt() throws Exception {
    client.resource(budget()).create();
    Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    try (OperatorProcess first = operator("storm-1")) {
      outage(deadLettered);
      first.kill();
    }
    try (OperatorProcess second = operator("storm-2")) {
      drain(deadLettered);
      assertThat(circuitState())
          .as("the circuit of dependency=db at the end")
          .isEqualTo(CircuitStatus.State.Closed);
    }
    onePerAttemptWithinTheAllowance();
  }

  /**
   * While the outage lasts: every task is seen held by the circuit, none dead-letters, and the
   * circuit is open or half-open when it ends (recorded in status, for the next operator).
   */
  static void outage(Set<String> deadLettered) {
    Instant failUntil = Instant.now().plus(OUTAGE);
    createTasks(failUntil);
    Map<String, Set<String>> heldBy = new ConcurrentHashMap<>();
    await()
        .pollInterval(Duration.ofSeconds(1))
        .atMost(OUTAGE.plusSeconds(10))
        .until(
            () -> {
              for (DeadLetterTask t : tasks()) {
                String name = t.getMetadata().getName();
                if (phase(t) == TaskPhase.DeadLettered) {
                  deadLettered.add(name);
                }
                String reason = reconcilingReason(t);
                if (phase(t) == TaskPhase.BackingOff && HELD.contains(reason)) {
                  heldBy.computeIfAbsent(reason, r -> ConcurrentHashMap.newKeySet()).add(name);
                }
              }
              return Instant.now().isAfter(failUntil);
            });
    assertThat(deadLettered).as("dead-lettered during the outage").isEmpty();
    Set<String> held = new TreeSet<>();
    heldBy.values().forEach(held::addAll);
    assertThat(held)
        .as(
            "tasks seen BackingOff, held by the budget or its circuit, during the outage: %s",
            heldBy)
        .hasSize(TASKS);
    assertThat(heldBy.getOrDefault("CircuitOpen", Set.of()))
        .as("tasks seen held by the open circuit")
        .isNotEmpty();
    assertThat(circuitState())
        .as("the circuit as recorded when the outage ends")
        .isNotEqualTo(CircuitStatus.State.Closed);
  }

  /** After the outage: the circuit closes, the budget lets the retries through at its pace. */
  static void drain(Set<String> deadLettered) {
    Set<String> budgetHeldAfter = ConcurrentHashMap.newKeySet();
    await()
        .pollInterval(Duration.ofSeconds(1))
        .atMost(drainTime())
        .until(
            () -> {
              List<DeadLetterTask> all = tasks();
              for (DeadLetterTask t : all) {
                if (phase(t) == TaskPhase.DeadLettered) {
                  deadLettered.add(t.getMetadata().getName());
                }
                if (phase(t) == TaskPhase.BackingOff
                    && "BudgetExhausted".equals(reconcilingReason(t))) {
                  budgetHeldAfter.add(t.getMetadata().getName());
                }
              }
              return !deadLettered.isEmpty()
                  || all.size() == TASKS
                      && all.stream().allMatch(t -> phase(t) == TaskPhase.Succeeded);
            });
    assertThat(deadLettered).as("dead-lettered after the outage").isEmpty();
    assertThat(budgetHeldAfter)
        .as("the budget, not only the circuit, held retries back (after the outage)")
        .isNotEmpty();
  }

  /**
   * Each attempt Job created exactly once, across both operators, and no Job but attempts
   * 1..attempts of each task; retries within the allowance in every window ending at a retry.
   */
  static void onePerAttemptWithinTheAllowance() {
    Map<String, AuditedCreates> creates = LocalCluster.jobCreates(ns);
    assertThat(creates)
        .allSatisfy(
            (job, c) -> assertThat(c).as("creates of %s", job).isEqualTo(new AuditedCreates(1, 0)));
    Set<String> expected = new TreeSet<>();
    for (DeadLetterTask t : tasks()) {
      for (int n = 1; n <= t.getStatus().getAttempts(); n++) {
        expected.add(t.getMetadata().getName() + "-" + n);
      }
    }
    assertThat(new TreeSet<>(creates.keySet())).isEqualTo(expected);

    List<Create> created = auditedCreates().stream().filter(c -> c.code() == 201).toList();
    List<Instant> firsts = created.stream().filter(c -> c.attempt() == 1).map(Create::at).toList();
    List<Instant> retries = created.stream().filter(c -> c.attempt() > 1).map(Create::at).toList();
    assertThat(firsts).hasSize(TASKS);
    assertThat(retries).as("at least one retry per task").hasSizeGreaterThanOrEqualTo(TASKS);
    for (Instant end : retries) {
      long inWindow = count(retries, end.minus(WINDOW).plus(CLOCK_SLACK), end);
      long firstsInWindow = count(firsts, end.minus(WINDOW), end);
      assertThat(inWindow)
          .as("retries in the %s up to %s (%d first attempts in it)", WINDOW, end, firstsInWindow)
          .isLessThanOrEqualTo(allowance(firstsInWindow));
    }
  }

  // --- the budget ---

  /** One circuit per value of the tasks' label dependency. */
  static RetryBudget budget() {
    RetryBudget budget = new RetryBudget();
    budget.getMetadata().setName(BUDGET);
    budget.getMetadata().setNamespace(ns);
    RetryBudgetSpec spec = new RetryBudgetSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("dependency", "db").build());
    spec.setWindow("1m");
    spec.setPercent(PERCENT);
    spec.setMinRetriesPerMinute(MIN_RETRIES_PER_MINUTE);
    CircuitBreakerPolicy breaker = new CircuitBreakerPolicy();
    breaker.setKeyLabel("dependency");
    breaker.setFailureRate(50);
    breaker.setMinAttempts(20);
    breaker.setWindow("1m");
    breaker.setOpenFor(OPEN_FOR.toSeconds() + "s");
    breaker.setHalfOpenProbes(3);
    spec.setCircuitBreaker(breaker);
    budget.setSpec(spec);
    return budget;
  }

  /** max(minRetriesPerMinute * window / 1m, percent % of the first attempts in the window). */
  static long allowance(long firstAttemptsInWindow) {
    double floor = MIN_RETRIES_PER_MINUTE * WINDOW.toSeconds() / 60.0;
    return (long) Math.ceil(Math.max(floor, PERCENT * firstAttemptsInWindow / 100.0));
  }

  /**
   * The outage, the circuit's last open period after it and the drain at the budget's floor, plus a
   * minute for a loaded machine.
   */
  static Duration drainTime() {
    long minutes = (TASKS + MIN_RETRIES_PER_MINUTE - 1) / MIN_RETRIES_PER_MINUTE;
    return OPEN_FOR.multipliedBy(2).plus(WINDOW.multipliedBy(minutes)).plusSeconds(60);
  }

  /** status.circuits[key=db].state. */
  static CircuitStatus.State circuitState() {
    RetryBudget b = client.resources(RetryBudget.class).inNamespace(ns).withName(BUDGET).get();
    assertThat(b.getStatus()).as("RetryBudget status").isNotNull();
    return b.getStatus().getCircuits().stream()
        .filter(c -> "db".equals(c.getKey()))
        .map(CircuitStatus::getState)
        .findFirst()
        .orElse(CircuitStatus.State.Closed); // a closed circuit with nothing to remember is dropped
  }

  static OperatorProcess operator(String name) throws IOException {
    return OperatorProcess.startReady(name, Map.of("WATCH_NAMESPACES", ns));
  }

  // --- the tasks ---

  /** Pods fail until failUntil; retries 1 s doubling to 5 s, without jitter. */
  static void createTasks(Instant failUntil) {
    IntStream.range(0, TASKS)
        .parallel()
        .forEach(
            i -> {
              DeadLetterTask t =
                  task(String.format("db-%02d", i))
                      .podAnnotation(
                          "sim.deadletter.dev/fail-until",
                          String.valueOf(failUntil.getEpochSecond()))
                      .maxAttempts(50)
                      .backoff("1s", 2, "5s", 0)
                      .build();
              t.getMetadata().setLabels(Map.of("dependency", "db"));
              client.resource(t).inNamespace(ns).create();
            });
  }

  static List<DeadLetterTask> tasks() {
    return client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems();
  }

  static TaskPhase phase(DeadLetterTask t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  /** Why a task waits: its Reconciling condition's reason (as for WaitingForGate). */
  static String reconcilingReason(DeadLetterTask t) {
    if (t.getStatus() == null || t.getStatus().getConditions() == null) {
      return null;
    }
    return t.getStatus().getConditions().stream()
        .filter(c -> TaskConditions.RECONCILING.equals(c.getType()))
        .map(Condition::getReason)
        .findFirst()
        .orElse(null);
  }

  // --- the audit log ---

  /** One create request of a Job of this namespace, as the audit log has it. */
  record Create(String job, Instant at, int code) {
    int attempt() {
      return Integer.parseInt(job.substring(job.lastIndexOf('-') + 1));
    }
  }

  /**
   * Every Job create of the namespace with the time the API server received it (microseconds; the
   * Job's creationTimestamp is set then, in whole seconds, and the response may complete seconds
   * later on a loaded machine), in order; {@link LocalCluster#jobCreates} has the counts but not
   * the times.
   */
  static List<Create> auditedCreates() {
    ObjectMapper json = new ObjectMapper();
    List<Create> out = new ArrayList<>();
    try (Stream<String> lines = Files.lines(LocalCluster.auditLog())) {
      lines
          .filter(l -> l.contains("\"create\"") && l.contains("\"jobs\"") && l.contains(ns))
          .forEach(
              l -> {
                JsonNode e;
                try {
                  e = json.readTree(l);
                } catch (IOException ex) {
                  throw new IllegalStateException("not an audit event: " + l, ex);
                }
                JsonNode ref = e.path("objectRef");
                if ("create".equals(e.path("verb").asText())
                    && "jobs".equals(ref.path("resource").asText())
                    && ns.equals(ref.path("namespace").asText())) {
                  out.add(
                      new Create(
                          ref.path("name").asText(),
                          Instant.parse(e.path("requestReceivedTimestamp").asText()),
                          e.path("responseStatus").path("code").asInt()));
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the audit log", e);
    }
    out.sort(Comparator.comparing(Create::at));
    return out;
  }

  /** How many of the times are in (from, to]. */
  static long count(List<Instant> times, Instant from, Instant to) {
    return times.stream().filter(t -> t.isAfter(from) && !t.isAfter(to)).count();
  }
}
