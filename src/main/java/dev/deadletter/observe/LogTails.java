package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.Forensics;
import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.Observation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the tail of a failed container's log into the attempt's record, in the pass that records
 * the failure: before history limits or pod garbage collection can delete the pod. A tail over the
 * byte bound keeps its end, where the error usually is. Best effort: a log that cannot be read
 * leaves the record without it.
 */
public final class LogTails {

  private static final Logger log = LoggerFactory.getLogger(LogTails.class);

  /** The first line of a tail that lost its front to the byte bound. */
  static final String CUT_MARKER = "[earlier output cut]";

  private LogTails() {}

  /**
   * Into each failure {@code decision} newly recorded (and its status keeps), the log tail of the
   * container {@code observation} found it to have failed in; only when the task asks for log tails
   * (spec.forensics.logTailLines).
   */
  public static void attach(
      KubernetesClient client, DeadLetterTask task, Observation observation, Decision decision) {
    Forensics forensics = task.getSpec().getForensics();
    if (forensics == null || forensics.getLogTailLines() == null) {
      return;
    }
    int lines = Math.min(50, forensics.getLogTailLines());
    List<AttemptRecord> kept = decision.status().getHistory();
    decision.recorded().stream()
        .filter(kept::contains) // one of many recorded at once can be cut from the history
        .filter(r -> r.getOutcome() == AttemptRecord.Outcome.Failed && r.getLogTail() == null)
        .forEach(
            r ->
                Optional.ofNullable(observation.failedContainers().get(r.getAttempt()))
                    .ifPresent(ref -> r.setLogTail(read(client, task, ref, lines))));
  }

  private static String read(
      KubernetesClient client, DeadLetterTask task, ContainerRef ref, int lines) {
    try (InputStream stream =
        client
            .pods()
            .inNamespace(task.getMetadata().getNamespace())
            .withName(ref.pod())
            .inContainer(ref.container())
            // The pod has ended: do not wait for it to become ready.
            .withReadyWaitTimeout(0)
            // No limitBytes: the API would keep the first bytes of the tail, and the
            // error is usually in the last ones.
            .tailingLines(lines)
            .getLogInputStream()) {
      return keepEnd(readEnd(stream));
    } catch (KubernetesClientException e) {
      log.warn(
          "could not read the log of {}/{}: HTTP {} {}",
          ref.pod(),
          ref.container(),
          e.getCode(),
          e.getMessage());
      return null;
    } catch (IOException e) {
      log.warn("could not read the log of {}/{}: {}", ref.pod(), ref.container(), e);
      return null;
    }
  }

  /**
   * The end of a stream, decoded. Lines may be of any length, so the stream is read to its end
   * through a bounded buffer rather than into one string. The end kept is twice the bound, so that
   * a log longer than the bound still decodes to more than the bound (an undecodable byte only
   * grows, into U+FFFD) and {@link #keepEnd} marks the cut.
   */
  static String readEnd(InputStream in) throws IOException {
    int window = 2 * Forensics.MAX_LOG_BYTES;
    byte[] buffer = new byte[2 * window];
    int length = 0;
    for (int n; (n = in.read(buffer, length, buffer.length - length)) != -1; ) {
      length += n;
      if (length == buffer.length) {
        System.arraycopy(buffer, length - window, buffer, 0, window);
        length = window;
      }
    }
    int from = Math.max(0, length - window);
    return new String(buffer, from, length - from, StandardCharsets.UTF_8);
  }

  /**
   * The end of a log in at most {@link Forensics#MAX_LOG_BYTES} bytes of UTF-8, in whole
   * characters, after a {@link #CUT_MARKER} line when the front was cut. The cut moves on to the
   * next line start, unless that would drop most of what fits (a log of a few long lines).
   */
  static String keepEnd(String text) {
    if (text.getBytes(StandardCharsets.UTF_8).length <= Forensics.MAX_LOG_BYTES) {
      return text;
    }
    int budget = Forensics.MAX_LOG_BYTES - (CUT_MARKER.length() + 1); // ASCII, and a newline
    int start = text.length();
    for (int bytes = 0; start > 0; ) {
      int c = text.codePointBefore(start);
      bytes += utf8Length(c);
      if (bytes > budget) {
        break;
      }
      start -= Character.charCount(c);
    }
    if (text.charAt(start - 1) != '\n') {
      int lineStart = text.indexOf('\n', start) + 1;
      if (lineStart > 0 && lineStart - start < (text.length() - start) / 2) {
        start = lineStart;
      }
    }
    return CUT_MARKER + "\n" + text.substring(start);
  }

  /** At least the bytes String#getBytes makes of it (a lone surrogate becomes one byte there). */
  private static int utf8Length(int codePoint) {
    if (codePoint < 0x80) {
      return 1;
    }
    if (codePoint < 0x800) {
      return 2;
    }
    return codePoint < 0x10000 ? 3 : 4;
  }
}
