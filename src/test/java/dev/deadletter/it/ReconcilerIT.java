package dev.deadletter.it;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.jobs.AttemptLabels;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reconciler against a real API server without a Job controller (kube-api-test): the test plays
 * the Job controller and writes Job and pod status itself, so it can set up exactly the states a
 * crash leaves behind.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class ReconcilerIT {

  static KubernetesClient client;

  /** Each test its own namespace, and an operator once it calls startOperator. */
  @RegisterExtension final LocalNamespace namespace = LocalNamespace.of("it").on(() -> client);

  String ns;

  @BeforeEach
  void bind() {
    ns = namespace.name();
  }

  @Test
  void jobCreatedBeforeACrashIsAdoptedNotCreatedAgain() {
    // The state a pass leaves when it dies after creating attempt 1 and before writing status.
    DeadLetterTask created = client.resource(task("crashed").build()).inNamespace(ns).create();
    Job orphan =
        AttemptJobFactory.build(created, EffectivePolicy.of(created.getSpec()), 1, null, null);
    String uid = client.resource(orphan).create().getMetadata().getUid();

    namespace.startOperator();

    DeadLetterTask adopted =
        awaitTask("crashed", t -> t.getStatus().getPhase() == TaskPhase.Running);
    assertThat(adopted.getStatus().getAttempts()).isEqualTo(1);
    assertThat(adopted.getStatus().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(adopted.getStatus().getActiveJob()).isEqualTo("crashed-1");
    assertThat(jobs()).extracting(j -> j.getMetadata().getUid()).containsExactly(uid);
  }

  @Test
  void failedAttemptIsRecordedFromItsPodAndRetriedAfterTheBackoff() {
    namespace.startOperator();
    client
        .resource(task("retried").initialDelay("2s").maxAttempts(2).build())
        .inNamespace(ns)
        .create();
    Job first = await().until(() -> job("retried-1"), j -> j != null);

    Instant failedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Attempts.pod(first.getMetadata().getName() + "-pod")
        .namespace(ns)
        .labels(first.getSpec().getTemplate().getMetadata().getLabels())
        .ownedBy(first)
        .node("node-a")
        .exited(7, "Error", "disk full")
        .create(client);
    Attempts.fail(client, first, failedAt.toString());

    Job second =
        await().atMost(Duration.ofSeconds(30)).until(() -> job("retried-2"), j -> j != null);
    DeadLetterTask task = awaitTask("retried", t -> t.getStatus().getHistory().size() == 1);
    AttemptRecord record = task.getStatus().getHistory().get(0);
    assertThat(record.getExitCode()).isEqualTo(7);
    assertThat(record.getReason()).isEqualTo("Error");
    assertThat(record.getMessage()).isEqualTo("disk full");
    assertThat(record.getNode()).isEqualTo("node-a");
    assertThat(Instant.parse(second.getMetadata().getCreationTimestamp()))
        .isAfterOrEqualTo(failedAt.plusSeconds(2));
    assertThat(second.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo(AttemptJobFactory.ENV_PREVIOUS_EXIT_CODE);
              assertThat(e.getValue()).isEqualTo("7");
            });
  }

  @Test
  void jobOfTheSameNameOwnedBySomethingElseIsNeverAdopted() {
    var owner =
        client
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("owner")
                    .withNamespace(ns)
                    .endMetadata()
                    .build())
            .create();
    Job foreign =
        Attempts.job("taken-1")
            .namespace(ns)
            .label(AttemptLabels.TASK, "taken")
            .ownedBy(owner)
            .build();
    client.resource(foreign).create();
    namespace.startOperator();

    client.resource(task("taken").build()).inNamespace(ns).create();

    DeadLetterTask stalled = awaitTask("taken", t -> "True".equals(condition(t, "Stalled")));
    assertThat(reason(stalled, "Stalled")).isEqualTo("JobNameTaken");
    assertThat(stalled.getStatus().getMessage()).contains("taken-1", "another owner");
    assertThat(job("taken-1").getMetadata().getOwnerReferences())
        .extracting(o -> o.getKind())
        .containsExactly("ConfigMap");

    client.resource(foreign).withGracePeriod(0).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> job("taken-1"),
            j ->
                j != null
                    && j.getMetadata()
                        .getOwnerReferences()
                        .get(0)
                        .getKind()
                        .equals("DeadLetterTask"));
  }

  @Test
  void templateTheJobApiRejectsStallsTheTaskWithoutALoop() {
    namespace.startOperator();
    DeadLetterTask bad = task("bad-template").build();
    bad.getSpec()
        .getJobTemplate()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setName("Not_A_DNS_Label");

    client.resource(bad).inNamespace(ns).create();

    DeadLetterTask stalled = awaitTask("bad-template", t -> "True".equals(condition(t, "Stalled")));
    assertThat(reason(stalled, "Stalled")).isEqualTo("InvalidJobTemplate");
    assertThat(stalled.getStatus().getMessage()).contains("containers[0].name");
    assertThat(jobs()).isEmpty();
    // No hot loop: nothing rewrites the task while nothing changes.
    String version = stalled.getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                client
                    .resources(DeadLetterTask.class)
                    .inNamespace(ns)
                    .withName("bad-template")
                    .get()
                    .getMetadata()
                    .getResourceVersion()
                    .equals(version));
    assertThat(client.events().v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "AttemptRefused".equals(e.getReason()))
        .hasSize(1);
  }

  private DeadLetterTask awaitTask(String name, Predicate<DeadLetterTask> condition) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(ns).withName(name).get(),
            t -> t != null && t.getStatus() != null && condition.test(t));
  }

  private Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  private List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(ns).list().getItems();
  }

  private static String condition(DeadLetterTask t, String type) {
    return t.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(Condition::getStatus)
        .findFirst()
        .orElse(null);
  }

  private static String reason(DeadLetterTask t, String type) {
    return t.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(Condition::getReason)
        .findFirst()
        .orElse(null);
  }
}
