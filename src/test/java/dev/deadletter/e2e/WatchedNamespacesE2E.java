package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator given several namespaces (WATCH_NAMESPACES, the chart's watchNamespaces) runs one
 * informer per namespace for tasks, Jobs and pods. Tasks that wait in each of them when it starts
 * must all run: once, the informers of two namespaces shared one store, and each namespace's first
 * list removed what the other had just listed.
 */
class WatchedNamespacesE2E {

  static final int TASKS_PER_NAMESPACE = 3;

  @RegisterExtension static final LocalNamespace first = LocalNamespace.of("e2e-watch-a");
  @RegisterExtension static final LocalNamespace second = LocalNamespace.of("e2e-watch-b");

  @Test
  void tasksWaitingInEveryWatchedNamespaceAllRunToTheEnd() throws Exception {
    KubernetesClient client = first.client();
    for (String ns : List.of(first.name(), second.name())) {
      for (int i = 0; i < TASKS_PER_NAMESPACE; i++) {
        client
            .resource(task("waiting-" + i).exitCodes("1,0").maxAttempts(3).build())
            .inNamespace(ns)
            .create();
      }
    }

    Map<String, String> env =
        Map.of("WATCH_NAMESPACES", first.name() + "," + second.name(), "HTTP_PORT", "0");
    try (OperatorProcess operator = OperatorProcess.start("watch-two", env)) {
      List<String> expected =
          Stream.of(first.name(), second.name())
              .flatMap(
                  ns ->
                      IntStream.range(0, TASKS_PER_NAMESPACE)
                          .mapToObj(i -> ns + "/waiting-" + i + " Succeeded after 2"))
              .toList();
      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> outcomes(client), l -> l.equals(expected));
      } catch (ConditionTimeoutException e) {
        assertThat(outcomes(client)).as("operator log:%n%s", operator.log()).isEqualTo(expected);
      }
    }
  }

  /** "namespace/name phase after attempts" of each task, in namespace and name order. */
  private static List<String> outcomes(KubernetesClient client) {
    return tasks(client).stream()
        .map(
            t ->
                "%s/%s %s after %s"
                    .formatted(
                        t.getMetadata().getNamespace(),
                        t.getMetadata().getName(),
                        t.getStatus() == null ? null : t.getStatus().getPhase(),
                        t.getStatus() == null ? 0 : t.getStatus().getAttempts()))
        .sorted()
        .toList();
  }

  private static List<DeadLetterTask> tasks(KubernetesClient client) {
    return Stream.of(first.name(), second.name())
        .flatMap(
            ns -> client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems().stream())
        .toList();
  }
}
