package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.testing.Attempts;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Installs that each run only the tasks their TASK_LABEL_SELECTOR matches all see the same failed
 * Jobs: the one that would run the captured task captures it, the others leave the Job alone.
 * Fabric8's mock API server (CRUD mode) keeps what the capture writes.
 */
@EnableKubernetesMockClient(crud = true)
class CaptureShardingTest {

  KubernetesClient client;

  @Test
  void onlyTheInstallWhoseSelectorMatchesTheTaskToBeCapturesTheJob() {
    Job job = failedJob(Map.of("shard", "a"));

    capture("shard in (b)", job);
    capture("shard=b,app=export", job);

    assertThat(tasks()).as("other shards capture nothing").isEmpty();
    assertThat(annotations()).doesNotContainKey(CapturedTask.CAPTURED_AS_ANNOTATION);

    capture("shard in (a,c)", job);

    assertThat(tasks())
        .singleElement()
        .satisfies(t -> assertThat(t.getMetadata().getLabels()).containsEntry("shard", "a"));
    assertThat(annotations())
        .containsEntry(CapturedTask.CAPTURED_AS_ANNOTATION, CapturedTask.taskName(job));
  }

  @Test
  void aSelectorOnTheCapturedFromLabelIsMatchedAgainstTheTaskNotTheJob() {
    Job job = failedJob(Map.of());

    capture("deadletter.dev/captured-from=export-1", job);

    assertThat(tasks()).hasSize(1);
  }

  @Test
  void anInstallWithoutSelectorCapturesEveryOptedInJob() {
    Job job = failedJob(Map.of());

    capture("", job);

    assertThat(tasks()).hasSize(1);
  }

  private void capture(String taskLabelSelector, Job job) {
    @SuppressWarnings("unchecked")
    Context<Job> context = mock(Context.class);
    when(context.getClient()).thenReturn(client);
    new CaptureReconciler(
            new TaskEventRecorder(client, Clock.systemUTC(), "test"),
            null,
            false,
            TaskSelector.parse(taskLabelSelector))
        .reconcile(job, context);
  }

  /** A Job labelled for capture (and with {@code labels}) that failed; stored on the server. */
  private Job failedJob(Map<String, String> labels) {
    Job job =
        Attempts.job(CapturedTaskTest.failedJob("export-1", "u1"))
            .labels(labels)
            .failed("2026-11-28T12:01:02Z")
            .build();
    client.resource(job).create();
    return job;
  }

  private List<DeadLetterTask> tasks() {
    return client.resources(DeadLetterTask.class).inNamespace("batch").list().getItems();
  }

  private Map<String, String> annotations() {
    Map<String, String> annotations =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace("batch")
            .withName("export-1")
            .get()
            .getMetadata()
            .getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }
}
