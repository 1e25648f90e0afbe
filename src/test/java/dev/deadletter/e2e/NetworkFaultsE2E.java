package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.testing.FaultProxy;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bad network between the operator and the API server: the operator (the packaged jar, as a
 * process) talks to the API server only through a fault-injecting TCP proxy
 * (hack/k8s/cmd/faultproxy), while the test reads and asserts directly. Slow responses, watches and
 * requests cut by TCP resets, and creates that take effect although their response never arrives
 * must neither duplicate an attempt Job nor lose one, and must not make the operator spin.
 */
class NetworkFaultsE2E {

  static final int TASKS = 10;

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-network");

  @Test
  void slowResponsesAndConnectionsCutEveryFewSeconds() throws Exception {
    try (FaultProxy proxy = FaultProxy.start();
        OperatorProcess operator = startThrough(proxy, "net-slow")) {
      proxy.latency(Duration.ofMillis(200), Duration.ofMillis(100));
      proxy.resetEvery(Duration.ofSeconds(4));
      long start = System.nanoTime();
      MixedOutcomes tasks =
          MixedOutcomes.create(namespace.client(), namespace.name(), "slow", TASKS, "1s");
      List<DeadLetterTask> done = tasks.awaitFinal(Duration.ofSeconds(90));
      FaultProxy.Stats stats = report("slow", start, proxy, operator);
      int jobs = assertEachAttemptRanOnce(tasks, done);
      assertThat(stats.resets()).as("connections the proxy cut").isPositive();
      assertNoHotLoop(operator, "slow", jobs);
    }
  }

  @Test
  void createsThatTakeEffectButWhoseResponsesAreLost() throws Exception {
    try (FaultProxy proxy = FaultProxy.start();
        OperatorProcess operator = startThrough(proxy, "net-lost")) {
      long start = System.nanoTime();
      MixedOutcomes tasks =
          MixedOutcomes.create(namespace.client(), namespace.name(), "lost", TASKS, "1s");
      // Windows of 1 s every 2.5 s while attempts start: the first attempts right after the tasks
      // appear, the retries when their backoff ends (a timer, so their creates go out inside a
      // window too). Requests keep reaching the API server; at the end of a window the proxy cuts
      // the connections whose responses it dropped.
      Thread.sleep(300);
      for (int i = 0; i < 6; i++) {
        proxy.loseResponses(Duration.ofSeconds(1));
        Thread.sleep(2500);
      }
      List<DeadLetterTask> done = tasks.awaitFinal(Duration.ofSeconds(90));
      FaultProxy.Stats stats = report("lost", start, proxy, operator);
      int jobs = assertEachAttemptRanOnce(tasks, done);
      assertThat(stats.droppedBytes()).as("bytes the proxy dropped").isPositive();
      assertThat(stats.resets()).as("connections the proxy cut").isPositive();
      assertNoHotLoop(operator, "lost", jobs);
    }
  }

  private static OperatorProcess startThrough(FaultProxy proxy, String name)
      throws IOException, InterruptedException {
    OperatorProcess operator =
        OperatorProcess.start(
            name,
            Map.of(
                "WATCH_NAMESPACES", namespace.name(),
                "KUBECONFIG", proxy.kubeconfig().toString()));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> operator.status("/readyz") == 200);
      return operator;
    } catch (RuntimeException e) {
      operator.close();
      throw e;
    }
  }

  /**
   * As MixedOutcomes asserts; on failure each task's history is printed, to see what was missed.
   */
  private static int assertEachAttemptRanOnce(MixedOutcomes tasks, List<DeadLetterTask> done) {
    try {
      return tasks.assertEachAttemptRanOnce(done);
    } catch (AssertionError e) {
      for (DeadLetterTask t : done) {
        System.out.printf(
            "%s: %s%n",
            t.getMetadata().getName(),
            t.getStatus().getHistory().stream()
                .map(
                    r ->
                        "#%d %s exitCode=%s reason=%s node=%s action=%s"
                            .formatted(
                                r.getAttempt(),
                                r.getOutcome(),
                                r.getExitCode(),
                                r.getReason(),
                                r.getNode(),
                                r.getAction()))
                .toList());
      }
      throw e;
    }
  }

  /**
   * No hot loop: Jobs created and Jobs found already there (after a lost response) are logged a
   * bounded number of times, and the API server saw few creates sent again (409).
   */
  private static void assertNoHotLoop(OperatorProcess operator, String prefix, int jobs)
      throws IOException {
    String log = operator.log();
    long created = count(log, "created attempt \\d+ as Job " + prefix + "-");
    long adopted = count(log, "attempt Job " + prefix + "-\\S+ already exists and is ours");
    assertThat(created).as("'created attempt' lines").isLessThanOrEqualTo(jobs);
    assertThat(adopted).as("'already exists and is ours' lines").isLessThanOrEqualTo(2L * jobs);
    assertThat(conflicts(prefix)).as("Job creates refused with 409").isLessThanOrEqualTo(2L * jobs);
  }

  private static long count(String log, String regex) {
    return Pattern.compile(regex).matcher(log).results().count();
  }

  /** Prints what happened (before the assertions, so that a failure has it too). */
  private static FaultProxy.Stats report(
      String prefix, long startNanos, FaultProxy proxy, OperatorProcess operator)
      throws IOException {
    FaultProxy.Stats stats = proxy.stats();
    String log = operator.log();
    System.out.printf(
        "network faults (%s): %d tasks final after %.1f s; %d Job creates took effect, %d sent"
            + " again (409); proxy %s; operator log: %d 'already exists and is ours', %d reconcile"
            + " errors, %d WARN/ERROR lines%n",
        prefix,
        TASKS,
        (System.nanoTime() - startNanos) / 1e9,
        LocalCluster.jobCreates(namespace.name()).entrySet().stream()
            .filter(e -> e.getKey().startsWith(prefix + "-"))
            .mapToInt(e -> e.getValue().certain())
            .sum(),
        conflicts(prefix),
        stats,
        count(log, "already exists and is ours"),
        count(log, "Uncaught error during event processing"),
        count(log, "(?m)^.*\\b(WARN|ERROR)\\b.*$"));
    return stats;
  }

  /** Job creates the API server refused with 409 AlreadyExists: a create sent again. */
  private static long conflicts(String prefix) throws IOException {
    ObjectMapper json = new ObjectMapper();
    return Files.readAllLines(LocalCluster.auditLog()).stream()
        .map(
            line -> {
              try {
                return json.readTree(line);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            })
        .filter(
            e ->
                "create".equals(e.path("verb").asText())
                    && "jobs".equals(e.path("objectRef").path("resource").asText())
                    && namespace.name().equals(e.path("objectRef").path("namespace").asText())
                    && e.path("objectRef").path("name").asText().startsWith(prefix + "-")
                    && e.path("responseStatus").path("code").asInt() == 409)
        .count();
  }
}
