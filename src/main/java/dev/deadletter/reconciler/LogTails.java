package dev.deadletter.reconciler;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.Forensics;
import dev.deadletter.jobs.AttemptReader;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the tail of a failed container's log into the attempt's record, in the pass that records
 * the failure: before history limits or pod garbage collection can delete the pod. Best effort: a
 * log that cannot be read leaves the record without it.
 */
final class LogTails {

  private static final Logger log = LoggerFactory.getLogger(LogTails.class);

  private LogTails() {}

  static void attach(
      KubernetesClient client,
      DeadLetterTask task,
      DeadLetterTaskStatus before,
      DeadLetterTaskStatus after,
      List<Pod> pods) {
    Forensics forensics = task.getSpec().getForensics();
    if (forensics == null || forensics.getLogTailLines() == null) {
      return;
    }
    int lines = Math.min(50, forensics.getLogTailLines());
    int newestBefore =
        before == null
            ? 0
            : before.getHistory().stream().mapToInt(AttemptRecord::getAttempt).max().orElse(0);
    after.getHistory().stream()
        .filter(r -> r.getAttempt() > newestBefore && r.getAttempt() > 0)
        .filter(r -> r.getOutcome() == AttemptRecord.Outcome.Failed && r.getLogTail() == null)
        .forEach(r -> r.setLogTail(read(client, task, r.getJob(), lines, pods)));
  }

  private static String read(
      KubernetesClient client, DeadLetterTask task, String jobName, int lines, List<Pod> pods) {
    List<Pod> ofJob =
        pods.stream()
            .filter(p -> jobName.equals(labels(p).get("batch.kubernetes.io/job-name")))
            .toList();
    return AttemptReader.failedContainer(ofJob)
        .map(
            ref -> {
              try {
                String text =
                    client
                        .pods()
                        .inNamespace(task.getMetadata().getNamespace())
                        .withName(ref.pod())
                        .inContainer(ref.container())
                        // The pod has ended: do not wait for it to become ready.
                        .withReadyWaitTimeout(0)
                        .limitBytes(Forensics.MAX_LOG_BYTES)
                        .tailingLines(lines)
                        .getLog();
                return truncate(text);
              } catch (KubernetesClientException e) {
                log.warn(
                    "could not read the log of {}/{}: HTTP {} {}",
                    ref.pod(),
                    ref.container(),
                    e.getCode(),
                    e.getMessage());
                return null;
              }
            })
        .orElse(null);
  }

  /** Cuts to the byte bound on a character boundary: the API's limitBytes may split a character. */
  static String truncate(String text) {
    if (text == null) {
      return null;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= Forensics.MAX_LOG_BYTES) {
      return text;
    }
    String cut = new String(bytes, 0, Forensics.MAX_LOG_BYTES, StandardCharsets.UTF_8);
    return cut.substring(0, cut.length() - 1);
  }

  private static Map<String, String> labels(Pod p) {
    return p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
  }
}
