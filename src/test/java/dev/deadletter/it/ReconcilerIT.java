package dev.deadletter.it;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
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
    failPod(first, 7, "disk full");
    failJob(first, failedAt);

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
        new JobBuilder()
            .withNewMetadata()
            .withName("taken-1")
            .withNamespace(ns)
            .withLabels(Map.of("deadletter.dev/task", "taken"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName("owner")
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("main")
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
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

  private void failPod(Job job, int exitCode, String message) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job.getMetadata().getName() + "-pod")
            .withNamespace(ns)
            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("Job")
                    .withName(job.getMetadata().getName())
                    .withUid(job.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .withNodeName("node-a")
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("main")
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .build();
    Pod created = client.resource(pod).create();
    created.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Failed")
            .addNewContainerStatus()
            .withName("main")
            .withImage("busybox")
            .withImageID("")
            .withReady(false)
            .withRestartCount(0)
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason("Error")
            .withMessage(message)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .build());
    client.resource(created).updateStatus();
  }

  /** Sets the conditions the Job controller sets when a Job with backoffLimit 0 loses its pod. */
  private void failJob(Job job, Instant at) {
    Job current = job(job.getMetadata().getName());
    String time = at.toString();
    current.setStatus(
        new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
            .withStartTime(current.getMetadata().getCreationTimestamp())
            .withFailed(1)
            .withConditions(
                new JobConditionBuilder()
                    .withType("FailureTarget")
                    .withStatus("True")
                    .withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit")
                    .withLastTransitionTime(time)
                    .withLastProbeTime(time)
                    .build(),
                new JobConditionBuilder()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit")
                    .withLastTransitionTime(time)
                    .withLastProbeTime(time)
                    .build())
            .build());
    client.resource(current).updateStatus();
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
