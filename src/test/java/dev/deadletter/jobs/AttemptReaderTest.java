package dev.deadletter.jobs;

import static dev.deadletter.testing.Attempts.terminated;
import static dev.deadletter.testing.Attempts.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.ObservedAttempt.State;
import dev.deadletter.testing.Attempts;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttemptReaderTest {

  private static final String CREATED = "2030-01-01T00:00:00Z";
  private static final String ENDED = "2030-01-01T00:02:00Z";

  @Test
  void completeJobIsSucceededAtTheConditionTime() {
    Job job = job().complete(ENDED).build();

    ObservedAttempt a = AttemptReader.read(1, job, List.of());

    assertThat(a.state()).isEqualTo(State.SUCCEEDED);
    assertThat(a.number()).isEqualTo(1);
    assertThat(a.jobName()).isEqualTo("nightly-export-1");
    assertThat(a.startTime()).isEqualTo(Instant.parse(CREATED));
    assertThat(a.finishTime()).isEqualTo(Instant.parse(ENDED));
    assertThat(a.failure()).isNull();
  }

  @Test
  void failedJobReportsTheExitCodeAndMessageOfTheFailedContainer() {
    Job job = failedJob();
    Pod pod =
        failedPod(
            "2030-01-01T00:00:01Z", terminated("main", 3, "Error", "cannot reach the database\n"));

    ObservedAttempt a = AttemptReader.read(1, job, List.of(pod));

    assertThat(a.state()).isEqualTo(State.FAILED);
    assertThat(a.finishTime()).isEqualTo(Instant.parse(ENDED));
    FailureDetails f = a.failure();
    assertThat(f.exitCode()).isEqualTo(3);
    assertThat(f.exitCodes()).isEqualTo(Map.of("main", 3));
    assertThat(f.primaryReason()).isEqualTo("Error");
    assertThat(f.reasons()).containsExactly("Error", "BackoffLimitExceeded");
    assertThat(f.message()).isEqualTo("cannot reach the database");
    assertThat(f.node()).isEqualTo("node-7");
  }

  @Test
  void oomKilledContainerIsThePrimaryReason() {
    Job job = failedJob();
    Pod pod = failedPod("2030-01-01T00:00:01Z", terminated("main", 137, "OOMKilled", null));

    FailureDetails f = AttemptReader.read(1, job, List.of(pod)).failure();

    assertThat(f.primaryReason()).isEqualTo("OOMKilled");
    assertThat(f.exitCode()).isEqualTo(137);
    // no termination message: the Job condition's message explains instead
    assertThat(f.message()).isEqualTo("Job has reached the specified backoff limit");
  }

  @Test
  void evictedPodReportsItsReasonAndDisruptionCondition() {
    Job job = failedJob();
    Pod pod =
        new PodBuilder(failedPod("2030-01-01T00:00:01Z", terminated("main", 137, "Error", null)))
            .editStatus()
            .withReason("Evicted")
            .withMessage("The node was low on resource: memory.")
            .addNewCondition()
            .withType("DisruptionTarget")
            .withStatus("True")
            .withReason("TerminationByKubelet")
            .endCondition()
            .addNewCondition()
            .withType("Ready")
            .withStatus("False")
            .endCondition()
            .endStatus()
            .build();

    FailureDetails f = AttemptReader.read(1, job, List.of(pod)).failure();

    assertThat(f.reasons()).contains("Evicted");
    assertThat(f.primaryReason()).isEqualTo("Evicted");
    assertThat(f.podConditions()).contains("DisruptionTarget=True", "Ready=False");
  }

  @Test
  void aNativeSidecarStoppedAfterTheMainContainerFailedIsNotTheAttemptsFailure() {
    Job job = failedJob();
    // The kubelet stops the sidecar (an init container with restartPolicy Always) with SIGTERM once
    // the main container has ended; it is listed first, as init containers are.
    Pod pod = podWithSidecar(terminated("proxy", 143, "Error", "proxy: shutting down\n"));

    ObservedAttempt a = AttemptReader.read(1, job, List.of(pod));

    FailureDetails f = a.failure();
    assertThat(f.exitCode()).isEqualTo(2);
    assertThat(f.message()).isEqualTo("schema mismatch");
    assertThat(f.reasons()).containsExactly("Error", "BackoffLimitExceeded");
    assertThat(f.exitCodes())
        .as("a rule naming the sidecar can still match its code")
        .isEqualTo(Map.of("proxy", 143, "main", 2));
    assertThat(AttemptReader.failedContainer(List.of(pod)))
        .as("the log tail is the main container's")
        .contains(new ContainerRef(pod.getMetadata().getName(), "main"));
  }

  @Test
  void aSidecarThatRestartedAfterAnOomKillDoesNotGiveTheAttemptItsReason() {
    Job job = failedJob();
    ContainerStatus restarted =
        new ContainerStatusBuilder()
            .withName("proxy")
            .withNewState()
            .withNewRunning()
            .endRunning()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withExitCode(137)
            .withReason("OOMKilled")
            .endTerminated()
            .endLastState()
            .build();

    FailureDetails f = AttemptReader.read(1, job, List.of(podWithSidecar(restarted))).failure();

    assertThat(f.primaryReason()).isEqualTo("Error");
    assertThat(f.reasons()).doesNotContain("OOMKilled");
    assertThat(f.exitCode()).isEqualTo(2);
  }

  @Test
  void aFailedRegularInitContainerIsTheAttemptsFailure() {
    Job job = failedJob();
    Pod pod =
        new PodBuilder(failedPod(CREATED, waiting("main", "PodInitializing", null)))
            .editSpec()
            .addNewInitContainer()
            .withName("migrate")
            .withImage("migrate:3")
            .endInitContainer()
            .endSpec()
            .editStatus()
            .withInitContainerStatuses(terminated("migrate", 1, "Error", "migration 42 failed"))
            .endStatus()
            .build();

    FailureDetails f = AttemptReader.read(1, job, List.of(pod)).failure();

    assertThat(f.exitCode()).isEqualTo(1);
    assertThat(f.message()).isEqualTo("migration 42 failed");
    assertThat(AttemptReader.failedContainer(List.of(pod)))
        .contains(new ContainerRef(pod.getMetadata().getName(), "migrate"));
  }

  @Test
  void deadlineExceededWithoutPodsIsExplainedByTheJobCondition() {
    Job job =
        job()
            .failed("DeadlineExceeded", "Job was active longer than specified deadline", ENDED)
            .build();

    FailureDetails f = AttemptReader.read(1, job, List.of()).failure();

    assertThat(f.primaryReason()).isEqualTo("DeadlineExceeded");
    assertThat(f.exitCode()).isNull();
    assertThat(f.message()).isEqualTo("Job was active longer than specified deadline");
  }

  @Test
  void newestFailedPodIsTheOneReported() {
    // a user's explicit backoffLimit lets one attempt Job run several pods
    Job job = failedJob();
    Pod older = failedPod("2030-01-01T00:00:01Z", terminated("main", 1, "Error", "first"));
    Pod newer = failedPod("2030-01-01T00:01:00Z", terminated("main", 2, "Error", "second"));

    FailureDetails f = AttemptReader.read(1, job, List.of(newer, older)).failure();

    assertThat(f.exitCode()).isEqualTo(2);
    assertThat(f.message()).isEqualTo("second");
  }

  @Test
  void jobDeletedBeforeItFinishedIsAFailedAttempt() {
    Job job =
        new JobBuilder(runningJob())
            .editMetadata()
            .withDeletionTimestamp(ENDED)
            .endMetadata()
            .build();

    ObservedAttempt a = AttemptReader.read(1, job, List.of());

    assertThat(a.state()).isEqualTo(State.FAILED);
    assertThat(a.finishTime()).isEqualTo(Instant.parse(ENDED));
    assertThat(a.failure().primaryReason()).isEqualTo(FailureDetails.JOB_DELETED);
  }

  @Test
  void runningJobSaysWhyItsPodIsStuckWaiting() {
    Pod pulling =
        waitingPod("ImagePullBackOff", "Back-off pulling image \"registry.example/export:1.4\"");
    Pod creating = waitingPod("ContainerCreating", null);

    ObservedAttempt stuck = AttemptReader.read(1, runningJob(), List.of(pulling));
    ObservedAttempt starting = AttemptReader.read(1, runningJob(), List.of(creating));

    assertThat(stuck.state()).isEqualTo(State.RUNNING);
    assertThat(stuck.finishTime()).isNull();
    assertThat(stuck.blockedBy())
        .contains("ImagePullBackOff")
        .contains("registry.example/export:1.4");
    assertThat(stuck.blockedBy()).startsWith("its pod is waiting: ImagePullBackOff");
    assertThat(starting.blockedBy()).isNull(); // a normal start is not worth mentioning
  }

  @Test
  void runningJobSaysWhyItsPodCannotBeScheduled() {
    Pod pending =
        new PodBuilder()
            .withNewStatus()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity.")
            .endCondition()
            .endStatus()
            .build();

    assertThat(AttemptReader.read(1, runningJob(), List.of(pending)).blockedBy())
        .isEqualTo(
            "its pod cannot be scheduled: 0/2 nodes are available: 2 node(s) didn't match Pod's"
                + " node affinity.");
  }

  // --- builders ---

  private static Attempts.JobFixture job() {
    return Attempts.job("nightly-export-1")
        .namespace("reports")
        .uid("job-uid-1")
        .createdAt(CREATED)
        .backoffLimit(0);
  }

  private static Job runningJob() {
    return job().running().build();
  }

  /** Failed on its backoff limit at ENDED. */
  private static Job failedJob() {
    return job().failed(ENDED).build();
  }

  private static Pod failedPod(String created, ContainerStatus container) {
    return Attempts.pod("nightly-export-1-" + created.hashCode())
        .createdAt(created)
        .node("node-7")
        .failed(container)
        .build();
  }

  /** A pod whose main container failed (exit 2) and whose native sidecar is "proxy". */
  private static Pod podWithSidecar(ContainerStatus sidecar) {
    return new PodBuilder(failedPod(CREATED, terminated("main", 2, "Error", "schema mismatch")))
        .editSpec()
        .addNewInitContainer()
        .withName("proxy")
        .withImage("envoy:1.30")
        .withRestartPolicy("Always")
        .endInitContainer()
        .endSpec()
        .editStatus()
        .withInitContainerStatuses(sidecar)
        .endStatus()
        .build();
  }

  private static Pod waitingPod(String reason, String message) {
    return Attempts.pod("nightly-export-1-x7k2p")
        .createdAt(CREATED)
        .waiting(reason, message)
        .build();
  }
}
