package dev.deadletter.it;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.observe.AttemptCaches;
import dev.deadletter.operator.Main;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two watched namespaces, each with more tasks than one list page, all waiting when the operator
 * starts: every task must get its first attempt. Each namespace's informer lists in pages, and the
 * informers of the two namespaces must not touch each other's caches.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class WatchedNamespacesIT {

  static final int TASKS_PER_NAMESPACE = (int) AttemptCaches.LIST_PAGE + 100;

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace first = LocalNamespace.of("watched-a").on(() -> client);

  @RegisterExtension
  static final LocalNamespace second = LocalNamespace.of("watched-b").on(() -> client);

  @Test
  void everyTaskOfTwoNamespacesListedInPagesGetsItsFirstAttempt() {
    List<String> namespaces = List.of(first.name(), second.name());
    for (String ns : namespaces) {
      for (int i = 0; i < TASKS_PER_NAMESPACE; i++) {
        client.resource(task("t" + i).exitCodes("0").build()).inNamespace(ns).create();
      }
    }

    Operator operator = Main.start(client, Set.copyOf(namespaces), Clock.systemUTC());
    try {
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                for (String ns : namespaces) {
                  assertThat(
                          client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems())
                      .as("tasks of %s with attempt 1 started", ns)
                      .filteredOn(t -> t.getStatus() != null && t.getStatus().getAttempts() == 1)
                      .hasSize(TASKS_PER_NAMESPACE);
                }
              });
    } finally {
      operator.stop();
    }
  }
}
