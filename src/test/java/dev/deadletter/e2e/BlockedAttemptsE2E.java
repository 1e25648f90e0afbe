package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tasks that pass admission but whose attempts cannot make progress: the template names a
 * ServiceAccount that does not exist (the Job controller cannot create the pod), or the image never
 * pulls. Status says why, one Warning Event says so, the operator looks again only now and then,
 * and a healthy task beside them is not slowed down.
 */
class BlockedAttemptsE2E {

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-blocked");

  @Test
  void blockedAttemptsSayWhyWithoutHotLoopingOrHurtingOthers() throws Exception {
    KubernetesClient client = namespace.client();
    String ns = namespace.name();
    try (OperatorProcess operator =
        OperatorProcess.start("blocked", Map.of("WATCH_NAMESPACES", ns))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> operator.status("/readyz") == 200);
      client
          .resource(task("no-sa").serviceAccount("missing-runner").build())
          .inNamespace(ns)
          .create();
      client
          .resource(task("no-image").podAnnotation("sim.deadletter.dev/image-pull", "fail").build())
          .inNamespace(ns)
          .create();
      client.resource(task("healthy").exitCodes("1,0").build()).inNamespace(ns).create();

      assertThat(messageOnceItSays("no-sa", "cannot be created"))
          .contains(
              "attempt 1 (1/3 counted) running as Job no-sa-1",
              "serviceaccount \"missing-runner\" not found");
      assertThat(messageOnceItSays("no-image", "ImagePullBackOff"))
          .contains(
              "attempt 1 (1/3 counted) running as Job no-image-1",
              "Back-off pulling image \"busybox:1.36\"");
      assertThat(phase("healthy"))
          .as("the healthy task beside them")
          .isEqualTo(TaskPhase.Succeeded);

      double before = reconciles(operator);
      Thread.sleep(60_000);
      double inAMinute = reconciles(operator) - before;
      System.out.printf(
          "blocked attempts: %.0f reconciles in 60 s for 2 blocked tasks%n", inAMinute);
      // One look every 60 s for each: the Job without pods, and the one whose pod is not ready.
      assertThat(inAMinute).as("reconciles in 60 s").isLessThanOrEqualTo(6);

      for (String name : List.of("no-sa", "no-image")) {
        assertThat(warnings(client, ns, name))
            .as("AttemptBlocked Events on %s", name)
            .hasSize(1)
            .allSatisfy(e -> assertThat(e.getNote()).contains("running as Job " + name + "-1;"));
        assertThat(phase(name)).isEqualTo(TaskPhase.Running);
      }
    }
  }

  private static String messageOnceItSays(String task, String text) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> get(task).getStatus() == null ? "" : get(task).getStatus().getMessage(),
            m -> m != null && m.contains(text));
  }

  private static TaskPhase phase(String task) {
    return get(task).getStatus().getPhase();
  }

  private static DeadLetterTask get(String name) {
    return namespace
        .client()
        .resources(DeadLetterTask.class)
        .inNamespace(namespace.name())
        .withName(name)
        .get();
  }

  private static List<Event> warnings(KubernetesClient client, String ns, String task) {
    return client.events().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e -> task.equals(e.getRegarding().getName()) && "AttemptBlocked".equals(e.getReason()))
        .toList();
  }

  private static double reconciles(OperatorProcess operator) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^operator_sdk_reconciliations_started_total\\{[^}]*\\} ([0-9.eE+-]+)$")
            .matcher(operator.get("/metrics"));
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }
}
