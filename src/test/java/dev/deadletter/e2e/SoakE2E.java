package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.testing.FaultProxy;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A soak: batches of tasks with mixed outcomes arrive every few seconds for DEADLETTER_SOAK_MINUTES
 * (1 in CI; 30 for the real soak) while faults hit at random: the API server restarts, users edit
 * tasks from stale reads. Each finished batch is checked (every attempt ran once) and deleted, so
 * the operator's working set stays level and its heap after GC must too. One operator process lives
 * through it all so its heap can be followed; crashes are the other fault tests' subject.
 */
class SoakE2E {

  static final Duration LENGTH =
      Duration.ofMinutes(CrashRestartE2E.envInt("DEADLETTER_SOAK_MINUTES", 1));
  static final int BATCH = 5;
  static final Duration BATCH_EVERY = Duration.ofSeconds(6);
  static final Duration FAULT_EVERY = Duration.ofSeconds(45);
  static final Duration HEAP_EVERY = Duration.ofMinutes(1);

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-soak");

  @Test
  void continuousTasksUnderRandomFaultsRunEachAttemptOnceWithLevelHeap() throws Exception {
    KubernetesClient client = namespace.client();
    String ns = namespace.name();
    Random random = new Random(11);
    List<MixedOutcomes> open = new ArrayList<>();
    List<Double> heapMiB = new ArrayList<>();
    int batches = 0;
    int checkedJobs = 0;
    Map<String, Integer> faults = new TreeMap<>();
    int edits = 0;
    try (FaultProxy proxy = FaultProxy.start()) {
      Map<String, String> env =
          Map.of("WATCH_NAMESPACES", ns, "KUBECONFIG", proxy.kubeconfig().toString());
      OperatorProcess operator = startReady(env, 0);
      int starts = 1;
      try {
        Instant start = Instant.now();
        Instant nextFault = start.plus(FAULT_EVERY);
        Instant nextHeap = start.plus(HEAP_EVERY);
        while (Instant.now().isBefore(start.plus(LENGTH))) {
          open.add(MixedOutcomes.create(client, ns, "soak" + batches++, BATCH, "1s"));
          checkedJobs += checkAndDeleteFinished(open);
          if (random.nextInt(3) == 0) {
            edits += editSomeTask(client, ns, random);
          }
          if (Instant.now().isAfter(nextFault)) {
            String fault = random.nextInt(5) == 0 ? "operator-killed" : injectFault(proxy, random);
            if (fault.equals("operator-killed")) {
              proxy.clear();
              operator.kill();
              operator = startReady(env, starts++);
            }
            faults.merge(fault, 1, Integer::sum);
            nextFault = Instant.now().plus(FAULT_EVERY.multipliedBy(1 + random.nextInt(2)));
          }
          if (Instant.now().isAfter(nextHeap)) {
            heapMiB.add(operator.heapAfterGcBytes() / (1 << 20));
            nextHeap = Instant.now().plus(HEAP_EVERY);
          }
          Thread.sleep(BATCH_EVERY.toMillis());
        }
        for (MixedOutcomes batch : open) {
          checkedJobs += batch.assertEachAttemptRanOnce(batch.awaitFinal(Duration.ofMinutes(3)));
        }
        heapMiB.add(operator.heapAfterGcBytes() / (1 << 20));
        System.out.printf(
            "soak: %d min, %d tasks, %d attempt Jobs each created once, faults %s, %d user edits;"
                + " heap after GC (MiB, per minute, across %d operator processes): %s%n",
            LENGTH.toMinutes(),
            batches * BATCH,
            checkedJobs,
            faults,
            edits,
            starts,
            heapMiB.stream().map(h -> String.format("%.1f", h)).toList());
        assertThat(operator.alive()).isTrue();
        // A restart starts the heap afresh, so growth within any one process shows as late samples
        // above the early ones.
        assertLevel(heapMiB);
      } finally {
        operator.close();
      }
    }
  }

  private static OperatorProcess startReady(Map<String, String> env, int n) throws Exception {
    OperatorProcess operator = OperatorProcess.start("soak-" + n, env);
    await().atMost(Duration.ofSeconds(90)).until(() -> operator.status("/readyz") == 200);
    return operator;
  }

  /** The heap after GC late in the soak is not above its early level (beyond noise). */
  private static void assertLevel(List<Double> heapMiB) {
    int third = heapMiB.size() / 3;
    if (third == 0) {
      assertThat(heapMiB).as("heap samples").isNotEmpty();
      return;
    }
    double early = heapMiB.subList(0, third).stream().mapToDouble(d -> d).max().orElseThrow();
    double late =
        heapMiB.subList(heapMiB.size() - third, heapMiB.size()).stream()
            .mapToDouble(d -> d)
            .max()
            .orElseThrow();
    assertThat(late)
        .as("heap after GC, last third vs first third (MiB)")
        .isLessThan(early * 1.2 + 8);
  }

  private static int checkAndDeleteFinished(List<MixedOutcomes> open) {
    int jobs = 0;
    for (Iterator<MixedOutcomes> it = open.iterator(); it.hasNext(); ) {
      MixedOutcomes batch = it.next();
      if (batch.allFinal()) {
        jobs += batch.assertEachAttemptRanOnce(batch.awaitFinal(Duration.ofSeconds(10)));
        batch.delete();
        it.remove();
      }
    }
    return jobs;
  }

  /** A user's update from a read a moment old; a 409 is the expected outcome of a race. */
  private static int editSomeTask(KubernetesClient client, String ns, Random random) {
    List<DeadLetterTask> tasks =
        client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems();
    if (tasks.isEmpty()) {
      return 0;
    }
    DeadLetterTask task = tasks.get(random.nextInt(tasks.size()));
    task.getMetadata().setAnnotations(Map.of("e2e.deadletter.dev/soak", Instant.now().toString()));
    try {
      client.resource(task).inNamespace(ns).update();
      return 1;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e;
      }
      return 0;
    }
  }

  /** One fault, chosen at random; returns its name. The previous network fault ends first. */
  private static String injectFault(FaultProxy proxy, Random random) throws Exception {
    proxy.clear();
    switch (random.nextInt(4)) {
      case 0 -> {
        restartApiServer();
        return "api-server-restart";
      }
      case 1 -> {
        proxy.resetNow();
        return "connections-cut";
      }
      case 2 -> {
        proxy.loseResponses(Duration.ofSeconds(1));
        return "responses-lost";
      }
      default -> {
        proxy.latency(Duration.ofMillis(300), Duration.ofMillis(200));
        return "slow-network";
      }
    }
  }

  private static void restartApiServer() throws Exception {
    Process p =
        new ProcessBuilder("hack/cluster.sh", "restart", "kube-apiserver")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("hack/cluster.sh restart kube-apiserver")
        .isTrue();
  }
}
