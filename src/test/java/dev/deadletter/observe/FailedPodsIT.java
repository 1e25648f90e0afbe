package dev.deadletter.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.jobs.AttemptObservations.Read;
import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.Observation;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pod cache lags the Job cache: a failed attempt seen without its pod is read again with the
 * pods of the real API server, so its exit code (and the rule it matches) is not lost.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class FailedPodsIT {

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.of("failed-pods").on(() -> client);

  static String ns;

  @BeforeAll
  static void podThatExitedWith2() {
    ns = namespace.name();
    createFailedPod("export-1-x7k2p", "export", "uid-of-export-1", 2);
  }

  /**
   * Creates a pod of attempt 1 of {@code task}, controlled by the Job with that uid, that failed
   * with {@code exitCode} on the API server; returns it as a lagging cache would still show it:
   * Running.
   */
  private static Pod createFailedPod(String name, String task, String jobUid, int exitCode) {
    Pod pod =
        Attempts.pod(name)
            .namespace(ns)
            .ofAttempt(task, 1)
            .ownedBy(task + "-1", jobUid)
            .node("node-a")
            .exited(exitCode, "Error", null)
            .create(client);
    pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
    return pod;
  }

  @Test
  void failureSeenBeforeItsPodIsReadWithThePodFromTheApiServer() {
    Map<Integer, Read> observed = seenWithoutPods();

    FailedPods.confirm(client, task(), observed);

    assertThat(observed.get(1).observed().failure().exitCode()).isEqualTo(2);
    assertThat(observed.get(1).observed().failure().node()).isEqualTo("node-a");
  }

  @Test
  void failureAlreadyRecordedIsLeftAsItIs() {
    DeadLetterTask task = task();
    AttemptRecord recorded = new AttemptRecord();
    recorded.setAttempt(1);
    task.setStatus(new DeadLetterTaskStatus());
    task.getStatus().getHistory().add(recorded);
    Map<Integer, Read> observed = seenWithoutPods();
    Read before = observed.get(1);

    FailedPods.confirm(client, task, observed);

    assertThat(observed.get(1)).isSameAs(before);
  }

  @Test
  void latestAttemptMissingFromBothCachesIsReadWithItsPodsFromTheApiServer() {
    // The status says attempt 1 was created; the Job cache has not seen it yet, and the pod cache
    // still shows its pod running, while on the API server both have failed with exit code 2.
    DeadLetterTaskStatus created = new DeadLetterTaskStatus();
    created.setAttempts(1);
    DeadLetterTask task =
        TaskBuilder.task("report").namespace(ns).uid("uid-of-report").status(created).build();
    Job job =
        client
            .resource(
                AttemptJobFactory.build(task, EffectivePolicy.of(task.getSpec()), 1, null, null))
            .create();
    Attempts.fail(client, job, "2030-01-01T00:01:00Z");
    Pod stale = createFailedPod("report-1-q9z8w", "report", job.getMetadata().getUid(), 2);

    Observation observation =
        new AttemptObserver(Clock.systemUTC()).observe(client, task, List.of(), List.of(stale));

    assertThat(observation.attempts().get(1).state()).isEqualTo(ObservedAttempt.State.FAILED);
    assertThat(observation.attempts().get(1).failure().exitCode()).isEqualTo(2);
    assertThat(observation.failedContainers().get(1))
        .as("the log tail is read from the pod the failure was read from, not the stale one")
        .isEqualTo(new ContainerRef("report-1-q9z8w", "main"));
  }

  private static Map<Integer, Read> seenWithoutPods() {
    Read read = Read.of(1, failedJob(), List.of());
    assertThat(read.observed().failure().exitCode())
        .as("the cache alone has no exit code")
        .isNull();
    return new HashMap<>(Map.of(1, read));
  }

  private static DeadLetterTask task() {
    return TaskBuilder.task("export").namespace(ns).build();
  }

  private static Job failedJob() {
    return Attempts.job("export-1")
        .namespace(ns)
        .uid("uid-of-export-1")
        .createdAt("2030-01-01T00:00:00Z")
        .ofAttempt("export", 1)
        .failed("2030-01-01T00:01:00Z")
        .build();
  }
}
