package dev.deadletter.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.Forensics;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.Observation;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Log tails of failed attempts. KWOK pods have no logs, so the pods/log endpoint is Fabric8's mock
 * server: the one place here where a real API server cannot answer.
 */
class LogTailsTest {

  static final String LOG_PATH =
      "/api/v1/namespaces/batch/pods/export-1-x7k2p/log?pretty=false&container=main&tailLines=3";

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init();
    client = server.createClient();
    // Fabric8 looks the pod up before reading its log, as it would on a real API server.
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/batch/pods?fieldSelector=metadata.name%3Dexport-1-x7k2p")
        .andReturn(200, new PodListBuilder().withItems(failedPod()).build())
        .always();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  @Test
  void failedAttemptGetsTheTailOfItsFailedContainersLog() {
    server
        .expect()
        .get()
        .withPath(LOG_PATH)
        .andReturn(200, "line 8\nline 9\npanic: disk full\n")
        .once();
    Decision decision = newFailureRecorded();

    LogTails.attach(client, task(3), observation(), decision);

    assertThat(decision.status().getHistory().get(0).getLogTail())
        .isEqualTo("line 8\nline 9\npanic: disk full\n");
  }

  @Test
  void noLogIsReadUnlessAskedFor() {
    Decision decision = newFailureRecorded();

    LogTails.attach(client, task(null), observation(), decision);

    assertThat(decision.status().getHistory().get(0).getLogTail()).isNull();
    assertThat(server.getRequestCount()).as("no request to the API server").isZero();
  }

  @Test
  void aLongLogKeepsItsEndFromALineStartAndSaysTheFrontWasCut() {
    StringBuilder log = new StringBuilder();
    int step = 0;
    // Longer than the reader ever holds at once, as a tail of long lines can be.
    while (log.length() < 10 * Forensics.MAX_LOG_BYTES) {
      log.append("step ").append(++step).append(": copied a batch of rows\n");
    }
    log.append("panic: disk full\n");
    server.expect().get().withPath(LOG_PATH).andReturn(200, log.toString()).once();
    Decision decision = newFailureRecorded();

    LogTails.attach(client, task(3), observation(), decision);

    String tail = decision.status().getHistory().get(0).getLogTail();
    assertThat(tail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(Forensics.MAX_LOG_BYTES);
    assertThat(tail).endsWith("step " + step + ": copied a batch of rows\npanic: disk full\n");
    assertThat(tail.lines().findFirst()).contains(LogTails.CUT_MARKER);
    assertThat(tail.lines().skip(1).findFirst().orElseThrow())
        .as("the first kept line is whole")
        .matches("step \\d+: copied a batch of rows");
  }

  @Test
  void oneLongLineIsCutAtACharacterBoundary() {
    String huge = "é".repeat(5000) + "!"; // 2 bytes each, and no line start to cut at
    server.expect().get().withPath(LOG_PATH).andReturn(200, huge).once();
    Decision decision = newFailureRecorded();

    LogTails.attach(client, task(3), observation(), decision);

    String tail = decision.status().getHistory().get(0).getLogTail();
    assertThat(tail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(Forensics.MAX_LOG_BYTES)
        .isGreaterThan(Forensics.MAX_LOG_BYTES - 8);
    assertThat(tail).matches("\\Q" + LogTails.CUT_MARKER + "\\E\né+!");
  }

  @Test
  void anUnreadableLogLeavesTheRecordWithoutIt() {
    server.expect().get().withPath(LOG_PATH).andReturn(403, "forbidden").once();
    Decision decision = newFailureRecorded();

    LogTails.attach(client, task(3), observation(), decision);

    assertThat(decision.status().getHistory().get(0).getLogTail()).isNull();
  }

  @Test
  void aFailureRecordedByAnEarlierPassGetsNoTail() {
    Decision decision = newFailureRecorded();
    decision = new Decision(decision.action(), decision.status(), List.of(), null, List.of());

    LogTails.attach(client, task(3), observation(), decision);

    assertThat(decision.status().getHistory().get(0).getLogTail()).isNull();
    assertThat(server.getRequestCount()).as("no request to the API server").isZero();
  }

  /** A decision that recorded attempt 1 as failed for the first time. */
  private static Decision newFailureRecorded() {
    AttemptRecord failed = new AttemptRecord();
    failed.setAttempt(1);
    failed.setJob("export-1");
    failed.setOutcome(AttemptRecord.Outcome.Failed);
    DeadLetterTaskStatus after = new DeadLetterTaskStatus();
    after.setHistory(new ArrayList<>(List.of(failed)));
    return new Decision(new Decision.Idle(), after, List.of(), null, List.of(failed));
  }

  /** What the pass saw: attempt 1 failed, in {@link #failedPod}. */
  private static Observation observation() {
    ContainerRef failed = AttemptReader.failedContainer(List.of(failedPod())).orElseThrow();
    return new Observation(Map.of(), null, Map.of(1, failed), null, null, Map.of());
  }

  private static DeadLetterTask task(Integer logTailLines) {
    DeadLetterTask task = TaskBuilder.task("export").namespace("batch").build();
    if (logTailLines != null) {
      Forensics forensics = new Forensics();
      forensics.setLogTailLines(logTailLines);
      task.getSpec().setForensics(forensics);
    }
    return task;
  }

  private static Pod failedPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("export-1-x7k2p")
        .withCreationTimestamp("2026-11-28T12:00:00Z")
        .endMetadata()
        .withNewStatus()
        .withPhase("Failed")
        .addNewContainerStatus()
        .withName("main")
        .withNewState()
        .withNewTerminated()
        .withExitCode(2)
        .endTerminated()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }
}
