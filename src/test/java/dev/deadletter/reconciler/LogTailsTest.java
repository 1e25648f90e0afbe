package dev.deadletter.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.Forensics;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    DeadLetterStatusPair pair = pairWithNewFailure();

    LogTails.attach(client, task(3), pair.before, pair.after, List.of(failedPod()));

    assertThat(pair.after.getHistory().get(0).getLogTail())
        .isEqualTo("line 8\nline 9\npanic: disk full\n");
  }

  @Test
  void noLogIsReadUnlessAskedFor() {
    DeadLetterStatusPair pair = pairWithNewFailure();

    LogTails.attach(client, task(null), pair.before, pair.after, List.of(failedPod()));

    assertThat(pair.after.getHistory().get(0).getLogTail()).isNull();
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
    DeadLetterStatusPair pair = pairWithNewFailure();

    LogTails.attach(client, task(3), pair.before, pair.after, List.of(failedPod()));

    String tail = pair.after.getHistory().get(0).getLogTail();
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
    DeadLetterStatusPair pair = pairWithNewFailure();

    LogTails.attach(client, task(3), pair.before, pair.after, List.of(failedPod()));

    String tail = pair.after.getHistory().get(0).getLogTail();
    assertThat(tail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(Forensics.MAX_LOG_BYTES)
        .isGreaterThan(Forensics.MAX_LOG_BYTES - 8);
    assertThat(tail).matches("\\Q" + LogTails.CUT_MARKER + "\\E\né+!");
  }

  @Test
  void anUnreadableLogLeavesTheRecordWithoutIt() {
    server.expect().get().withPath(LOG_PATH).andReturn(403, "forbidden").once();
    DeadLetterStatusPair pair = pairWithNewFailure();

    LogTails.attach(client, task(3), pair.before, pair.after, List.of(failedPod()));

    assertThat(pair.after.getHistory().get(0).getLogTail()).isNull();
  }

  record DeadLetterStatusPair(DeadLetterTaskStatus before, DeadLetterTaskStatus after) {}

  private static DeadLetterStatusPair pairWithNewFailure() {
    AttemptRecord failed = new AttemptRecord();
    failed.setAttempt(1);
    failed.setJob("export-1");
    failed.setOutcome(AttemptRecord.Outcome.Failed);
    DeadLetterTaskStatus after = new DeadLetterTaskStatus();
    after.setHistory(new ArrayList<>(List.of(failed)));
    return new DeadLetterStatusPair(new DeadLetterTaskStatus(), after);
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
    return Attempts.pod("export-1-x7k2p")
        .createdAt("2026-11-28T12:00:00Z")
        .label("batch.kubernetes.io/job-name", "export-1")
        .exited(2, null, null)
        .build();
  }
}
