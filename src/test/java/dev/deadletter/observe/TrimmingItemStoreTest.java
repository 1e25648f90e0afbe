package dev.deadletter.observe;

import static dev.deadletter.testing.Attempts.terminated;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.AttemptLabels;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrimmingItemStoreTest {

  private static final String ENDED = "2030-01-01T00:02:00Z";

  @Test
  void attemptReadFromTrimmedObjectsIsTheSameAsFromFullOnes() {
    Job job = failedJob();
    Pod pod = failedPod(job.getMetadata().getUid());

    var jobs = TrimmingItemStore.forJobs();
    var pods = TrimmingItemStore.forPods();
    jobs.put("ns/nightly-export-2", job);
    pods.put("ns/nightly-export-2-abcde", pod);
    Job cachedJob = jobs.get("ns/nightly-export-2");
    Pod cachedPod = pods.get("ns/nightly-export-2-abcde");

    assertThat(AttemptReader.read(2, cachedJob, List.of(cachedPod)))
        .isEqualTo(AttemptReader.read(2, job, List.of(pod)));
    assertThat(cachedJob.getMetadata().getLabels()).isEqualTo(job.getMetadata().getLabels());
    assertThat(cachedPod.getMetadata().getOwnerReferences())
        .isEqualTo(pod.getMetadata().getOwnerReferences());
  }

  @Test
  void aTrimmedPodStillSaysWhichInitContainersAreNativeSidecars() {
    Job job = failedJob();
    Pod pod =
        new PodBuilder(failedPod(job.getMetadata().getUid()))
            .editSpec()
            .addNewInitContainer()
            .withName("migrate")
            .withImage("registry.example/migrate:3")
            .endInitContainer()
            .addNewInitContainer()
            .withName("proxy")
            .withImage("registry.example/envoy:1.30")
            .withRestartPolicy("Always")
            .endInitContainer()
            .endSpec()
            .editStatus()
            .withInitContainerStatuses(
                terminated("migrate", 0, "Completed", null),
                terminated("proxy", 143, "Error", null))
            .endStatus()
            .build();

    Pod trimmed = TrimmingItemStore.trimPod(pod);

    assertThat(AttemptReader.read(2, job, List.of(trimmed)))
        .isEqualTo(AttemptReader.read(2, job, List.of(pod)));
    assertThat(AttemptReader.read(2, job, List.of(trimmed)).failure().exitCode()).isEqualTo(3);
    assertThat(trimmed.getSpec().getInitContainers())
        .singleElement()
        .satisfies(c -> assertThat(c.getName()).isEqualTo("proxy"))
        .satisfies(c -> assertThat(c.getImage()).as("nothing else of it").isNull());
  }

  @Test
  void templatesSpecsAndManagedFieldsAreNotKept() {
    Job job = TrimmingItemStore.trimJob(failedJob());
    Pod pod = TrimmingItemStore.trimPod(failedPod("uid-2"));

    assertThat(job.getSpec()).isNull();
    assertThat(job.getMetadata().getManagedFields()).isEmpty();
    assertThat(pod.getSpec().getContainers()).isEmpty();
    assertThat(pod.getSpec().getNodeName()).isEqualTo("node-7");
    assertThat(pod.getMetadata().getManagedFields()).isEmpty();
    assertThat(Serialization.asJson(job).length())
        .isLessThan(Serialization.asJson(failedJob()).length() / 2);
  }

  @Test
  void tasksKeepEverythingButManagedFields() {
    DeadLetterTask task =
        TaskBuilder.task("nightly-export").namespace("ns").retryRequestedAt("1").build();
    task.getMetadata()
        .setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl").build()));
    DeadLetterTask expected = Serialization.clone(task);
    expected.getMetadata().setManagedFields(null);

    var tasks = TrimmingItemStore.forTasks();
    tasks.put("ns/nightly-export", task);

    assertThat(Serialization.asJson(tasks.get("ns/nightly-export")))
        .isEqualTo(Serialization.asJson(expected));
  }

  /** Its size is what templatesSpecsAndManagedFieldsAreNotKept measures trimming against. */
  private static Job failedJob() {
    return new JobBuilder()
        .withNewMetadata()
        .withName("nightly-export-2")
        .withNamespace("ns")
        .withUid("uid-2")
        .withCreationTimestamp("2030-01-01T00:00:00Z")
        .addToLabels("deadletter.dev/task", "nightly-export")
        .addToLabels("deadletter.dev/attempt", "2")
        .addToAnnotations("note", "x".repeat(200))
        .withManagedFields(
            new ManagedFieldsEntryBuilder()
                .withManager("kube-controller-manager")
                .withOperation("Update")
                .build())
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .withImage("registry.example/exporter:1.2.3")
        .withCommand("/bin/export", "--all", "--verbose", "--destination=s3://bucket/prefix/path")
        .addNewEnv()
        .withName("DATABASE_URL")
        .withValue("postgres://db.example:5432/exports?sslmode=require")
        .endEnv()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .withNewStatus()
        .addNewCondition()
        .withType("Failed")
        .withStatus("True")
        .withReason("BackoffLimitExceeded")
        .withMessage("Job has reached the specified backoff limit")
        .withLastTransitionTime(ENDED)
        .endCondition()
        .withFailed(1)
        .endStatus()
        .build();
  }

  private static Pod failedPod(String jobUid) {
    return new PodBuilder(
            Attempts.pod("nightly-export-2-abcde")
                .namespace("ns")
                .label(AttemptLabels.TASK, "nightly-export")
                .ownedBy("nightly-export-2", jobUid)
                .node("node-7")
                .exited(3, "Error", "cannot reach the database")
                .build())
        .editMetadata()
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build())
        .endMetadata()
        .build();
  }
}
