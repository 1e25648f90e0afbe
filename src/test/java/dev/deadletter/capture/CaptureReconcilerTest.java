package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.testing.Attempts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which labelled Jobs become tasks. The API server is Fabric8's mock, in CRUD mode: the capture
 * lists the Job's pods, creates the task and marks the Job.
 */
@EnableKubernetesMockClient(crud = true)
class CaptureReconcilerTest {

  static final String DELETING = "2026-11-28T12:05:00Z";

  KubernetesClient client;
  Context<Job> context;
  CaptureReconciler capture;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void setUp() {
    context = mock(Context.class);
    when(context.getClient()).thenReturn(client);
    capture =
        new CaptureReconciler(
            new TaskEventRecorder(client, Clock.systemUTC(), "test"),
            null,
            false,
            TaskSelector.parse(""));
  }

  @Test
  void aJobDeletedByItsOwnerWhileItRunsIsNotCaptured() {
    // kubectl delete --cascade=foreground, or an Argo CD prune: the Job waits for its pods to go.
    Job job =
        new JobBuilder(created(CapturedTaskTest.failedJob("export-1", "u1")))
            .editMetadata()
            .withDeletionTimestamp(DELETING)
            .addToFinalizers("foregroundDeletion")
            .endMetadata()
            .withNewStatus()
            .withActive(1)
            .withTerminating(1)
            .endStatus()
            .build();
    created(pod("export-1-running", "u1", null));
    created(pod("export-1-terminating", "u1", DELETING));

    capture.reconcile(job, context);

    assertThat(tasks()).as("the cancelled work is not run again").isEmpty();
  }

  @Test
  void aJobThatFailedIsCapturedEvenWhileItIsBeingDeleted() {
    Job job =
        new JobBuilder(
                Attempts.job(created(CapturedTaskTest.failedJob("export-2", "u2")))
                    .failed("2026-11-28T12:01:00Z")
                    .build())
            .editMetadata()
            .withDeletionTimestamp(DELETING)
            .endMetadata()
            .build();

    capture.reconcile(job, context);

    assertThat(tasks())
        .singleElement()
        .satisfies(t -> assertThat(t.getSpec().getSource().getName()).isEqualTo("export-2"))
        .satisfies(
            t -> assertThat(t.getSpec().getSource().getReason()).isEqualTo("BackoffLimitExceeded"));
  }

  private List<DeadLetterTask> tasks() {
    return client.resources(DeadLetterTask.class).inNamespace("batch").list().getItems();
  }

  private <T extends HasMetadata> T created(T object) {
    return client.resource(object).create();
  }

  private static Pod pod(String name, String jobUid, String deletionTimestamp) {
    return Attempts.pod(name)
        .namespace("batch")
        .deleting(deletionTimestamp)
        .label("batch.kubernetes.io/controller-uid", jobUid)
        .running("2026-11-28T12:00:01Z")
        .build();
  }
}
