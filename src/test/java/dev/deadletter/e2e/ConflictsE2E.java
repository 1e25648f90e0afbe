package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Users edit tasks while the operator writes their status: labels, annotations and spec fields (new
 * generations) change under it as fast as a client can send updates, and the stale ones get 409
 * Conflict. The operator's own status writes must not be lost or repeated, and every attempt still
 * runs once.
 */
class ConflictsE2E {

  static final int TASKS = 20;

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-conflict");

  @Test
  void tasksEditedWhileTheOperatorWritesStatusStillRunEachAttemptOnce() throws Exception {
    KubernetesClient client = namespace.client();
    String ns = namespace.name();
    MixedOutcomes tasks = MixedOutcomes.create(client, ns, "edited", TASKS, "1s");
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger edits = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    Thread editor =
        new Thread(
            () -> {
              while (!done.get()) {
                edit(client, ns, edits, conflicts);
              }
            },
            "editor");
    try (OperatorProcess operator =
        OperatorProcess.start("conflicts", Map.of("WATCH_NAMESPACES", ns, "HTTP_PORT", "0"))) {
      editor.start();
      List<DeadLetterTask> finished = tasks.awaitFinal(Duration.ofMinutes(3));
      done.set(true);
      editor.join();
      int jobs = tasks.assertEachAttemptRanOnce(finished);
      System.out.printf(
          "conflicts: %d tasks, %d attempt Jobs, %d user edits, %d of them rejected with 409%n",
          TASKS, jobs, edits.get(), conflicts.get());
      assertThat(edits.get()).as("user edits that landed").isGreaterThan(TASKS);
      assertThat(conflicts.get()).as("user edits that met a newer version").isPositive();
      assertThat(operator.alive()).isTrue();
      assertThat(operator.log()).doesNotContain("\tat ");
    }
  }

  /**
   * One update from a stale read, as a user's client does: read, wait a moment (the operator may
   * write in between), then update with the read resourceVersion.
   */
  private static void edit(
      KubernetesClient client, String ns, AtomicInteger edits, AtomicInteger conflicts) {
    String name = "edited-" + ThreadLocalRandom.current().nextInt(TASKS);
    var resource = client.resources(DeadLetterTask.class).inNamespace(ns).withName(name);
    DeadLetterTask task = resource.get();
    try {
      Thread.sleep(50);
      int n = edits.get();
      task.getMetadata().setAnnotations(Map.of("e2e.deadletter.dev/edit", String.valueOf(n)));
      // Every other edit changes the spec too, so the task gets a new generation.
      task.getSpec().getRetryPolicy().setAttemptTimeout(n % 2 == 0 ? "10m" : "11m");
      client.resource(task).inNamespace(ns).update();
      edits.incrementAndGet();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      conflicts.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
