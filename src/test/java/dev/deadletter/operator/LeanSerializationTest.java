package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.Sidecars;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Objects as a real API server sent them (src/test/resources/objects, with managedFields). */
class LeanSerializationTest {

  private final KubernetesSerialization lean = LeanSerialization.create();
  private final KubernetesSerialization standard = new KubernetesSerialization();

  @Test
  void readsAnAttemptPodWithoutManagedFieldsOrSpecButWithEverythingAPassReads() {
    String json = fixture("attempt-pod-failed.json");
    assertThat(standard.unmarshal(json, Pod.class).getMetadata().getManagedFields()).hasSize(2);

    Pod pod = lean.unmarshal(json, Pod.class);

    assertThat(pod.getMetadata().getManagedFields()).isEmpty();
    assertThat(pod.getMetadata().getAdditionalProperties()).doesNotContainKey("managedFields");
    assertThat(pod.getMetadata().getLabels()).containsKey("deadletter.dev/attempt");
    assertThat(pod.getMetadata().getOwnerReferences()).singleElement();
    assertThat(
            pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode())
        .isEqualTo(1);
    assertThat(pod.getSpec().getNodeName())
        .isEqualTo(standard.unmarshal(json, Pod.class).getSpec().getNodeName())
        .isNotBlank();
    assertThat(pod.getSpec().getContainers()).isEmpty();
    assertThat(pod.getSpec().getVolumes()).isEmpty();
    assertThat(pod.getSpec().getAdditionalProperties()).isEmpty();
  }

  @Test
  void keepsOfAPodsInitContainersOnlyTheNamesOfItsNativeSidecars() {
    Pod full =
        new PodBuilder(standard.unmarshal(fixture("attempt-pod-failed.json"), Pod.class))
            .editSpec()
            .addNewInitContainer()
            .withName("migrate")
            .withImage("registry.example/migrate:3")
            .endInitContainer()
            .addNewInitContainer()
            .withImage("registry.example/envoy:1.30")
            .withRestartPolicy("Always") // before its name: fields come in any order
            .withName("proxy")
            .addNewEnv()
            .withName("LEVEL")
            .withValue("info")
            .endEnv()
            .endInitContainer()
            .endSpec()
            .build();

    Pod pod = lean.unmarshal(standard.asJson(full), Pod.class);

    assertThat(Sidecars.names(pod)).containsExactly("proxy");
    assertThat(pod.getSpec().getInitContainers())
        .singleElement()
        .satisfies(c -> assertThat(c.getImage()).isNull())
        .satisfies(c -> assertThat(c.getEnv()).isEmpty());
    assertThat(pod.getSpec().getNodeName()).isEqualTo(full.getSpec().getNodeName());
  }

  @Test
  void listsAndWatchEventsAreReadTheSameWay() {
    Pod pod = standard.unmarshal(fixture("attempt-pod-failed.json"), Pod.class);
    PodList list = new PodList();
    list.setItems(java.util.List.of(pod, pod));
    WatchEvent event = new WatchEvent(pod, "MODIFIED");

    PodList listed = lean.unmarshal(standard.asJson(list), PodList.class);
    WatchEvent watched = lean.unmarshal(standard.asJson(event), WatchEvent.class);

    assertThat(listed.getItems())
        .hasSize(2)
        .allSatisfy(p -> assertThat(p.getMetadata().getManagedFields()).isEmpty())
        .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNotBlank())
        .allSatisfy(
            p ->
                assertThat(p.getStatus().getContainerStatuses().get(0).getState().getTerminated())
                    .isNotNull());
    assertThat(((HasMetadata) watched.getObject()).getMetadata().getManagedFields()).isEmpty();
    assertThat(((Pod) watched.getObject()).getSpec().getContainers()).isEmpty();
    assertThat(((HasMetadata) watched.getObject()).getMetadata().getName())
        .isEqualTo(pod.getMetadata().getName());
  }

  @Test
  void readsJobsAndTasksWithoutManagedFields() {
    Job job = lean.unmarshal(fixture("attempt-job-failed.json"), Job.class);
    DeadLetterTask task = lean.unmarshal(fixture("task-succeeded.json"), DeadLetterTask.class);

    assertThat(job.getMetadata().getManagedFields()).isEmpty();
    assertThat(job.getStatus().getConditions()).extracting("type").contains("Failed");
    // A Job's pod template is not a Pod: captured Jobs are copied from it, so it is read whole.
    assertThat(job.getSpec().getTemplate().getSpec().getContainers()).isNotEmpty();
    assertThat(task.getMetadata().getManagedFields()).isEmpty();
    assertThat(task.getStatus().getAttempts()).isEqualTo(2);
  }

  @Test
  void writesObjectsExactlyAsTheStandardMappingDoes() {
    for (String name : new String[] {"attempt-pod-failed.json", "attempt-job-failed.json"}) {
      HasMetadata object = standard.unmarshal(fixture(name));
      assertThat(lean.asJson(object)).as(name).isEqualTo(standard.asJson(object));
    }
    DeadLetterTask task = standard.unmarshal(fixture("task-succeeded.json"), DeadLetterTask.class);
    assertThat(lean.asJson(task)).isEqualTo(standard.asJson(task));
  }

  private static String fixture(String name) {
    try (InputStream in = LeanSerializationTest.class.getResourceAsStream("/objects/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
