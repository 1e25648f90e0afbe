package dev.deadletter.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.EventListBuilder;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.V1APIGroupDSL;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked") // mocks of the client's generic DSL
class PodCreationFailuresTest {

  private static final Instant CREATED = Instant.parse("2026-11-28T10:00:00Z");
  private static final Instant NOW = CREATED.plus(Duration.ofMinutes(5));

  private final PodCreationFailures failures = new PodCreationFailures();

  @Test
  void aJobWithoutAnyPodIsBlockedWithTheJobControllersReason() {
    KubernetesClient client = mock(KubernetesClient.class);
    V1APIGroupDSL v1 = mock(V1APIGroupDSL.class);
    MixedOperation<Event, EventList, Resource<Event>> events = mock(MixedOperation.class);
    NonNamespaceOperation<Event, EventList, Resource<Event>> inNamespace =
        mock(NonNamespaceOperation.class);
    when(client.v1()).thenReturn(v1);
    when(v1.events()).thenReturn(events);
    when(events.inNamespace("ns")).thenReturn(inNamespace);
    when(inNamespace.list(any(ListOptions.class)))
        .thenReturn(
            new EventListBuilder()
                .addToItems(
                    new EventBuilder()
                        .withReason("FailedCreate")
                        .withMessage("serviceaccount \"missing\" not found")
                        .withLastTimestamp("2026-11-28T10:00:05Z")
                        .build())
                .build());
    Map<Integer, ObservedAttempt> observed = running();

    var lookAgain = failures.check(client, 1, observed, List.of(job(null)), List.of(), NOW);

    assertThat(observed.get(1).blockedBy())
        .isEqualTo("its pods cannot be created: serviceaccount \"missing\" not found");
    assertThat(lookAgain).contains(PodCreationFailures.RECHECK);
  }

  @Test
  void aJobWhosePodsTheJobControllerCountedIsNotLookedUp() {
    // Succeeded pods are not cached: the Job's own counts tell that its pod was created.
    for (Job job :
        List.of(
            job(
                new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withSucceeded(1)
                    .build()),
            job(
                new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withActive(1)
                    .build()),
            job(
                new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withNewUncountedTerminatedPods()
                    .withSucceeded("pod-uid")
                    .endUncountedTerminatedPods()
                    .build()))) {
      KubernetesClient client = mock(KubernetesClient.class);
      Map<Integer, ObservedAttempt> observed = running();

      var lookAgain = failures.check(client, 1, observed, List.of(job), List.of(), NOW);

      assertThat(lookAgain).as(job.getStatus().toString()).isEmpty();
      assertThat(observed.get(1).blockedBy()).isNull();
      verifyNoInteractions(client);
    }
  }

  private static Map<Integer, ObservedAttempt> running() {
    return new HashMap<>(Map.of(1, ObservedAttempt.running(1, "task-1", CREATED)));
  }

  private static Job job(io.fabric8.kubernetes.api.model.batch.v1.JobStatus status) {
    return new JobBuilder()
        .withNewMetadata()
        .withName("task-1")
        .withNamespace("ns")
        .withUid("job-uid")
        .withCreationTimestamp(CREATED.toString())
        .endMetadata()
        .withStatus(status)
        .build();
  }
}
