package dev.deadletter.policy;

import java.util.List;
import java.util.Map;

/**
 * Why an attempt failed, gathered from its Job's conditions and its pods.
 *
 * @param exitCodes exit code by container name, for containers that terminated
 * @param reasons every reason seen, most specific first: the container's terminated reason
 *     (OOMKilled, Error), the pod's status.reason (Evicted), the Job's Failed condition reason
 *     (DeadlineExceeded, BackoffLimitExceeded), or JobDeleted
 * @param podConditions the pod's conditions that were True or False, as "Type=Status"
 * @param exitCode the exit code shown to users: the first failed container's
 * @param message the termination message or the Job condition's message, truncated
 * @param retryAfterHint the value of a last line {@code retry-after: <duration>} of the whole
 *     message, before it was truncated; null when there is none
 */
public record FailureDetails(
    Map<String, Integer> exitCodes,
    List<String> reasons,
    List<String> podConditions,
    Integer exitCode,
    String message,
    String node,
    String retryAfterHint) {

  /** The hint is read from the whole message, before the record truncates it. */
  public FailureDetails(
      Map<String, Integer> exitCodes,
      List<String> reasons,
      List<String> podConditions,
      Integer exitCode,
      String message,
      String node) {
    this(exitCodes, reasons, podConditions, exitCode, message, node, retryAfterHint(message));
  }

  public static final String JOB_DELETED = "JobDeleted";

  /**
   * Messages in status are cut to this many characters, so a chatty workload cannot bloat the
   * object.
   */
  public static final int MAX_MESSAGE_LENGTH = 256;

  public FailureDetails {
    exitCodes = Map.copyOf(exitCodes);
    reasons = List.copyOf(reasons);
    podConditions = List.copyOf(podConditions);
    message = Texts.keepStart(message, MAX_MESSAGE_LENGTH);
  }

  public static FailureDetails jobDeleted() {
    return new FailureDetails(
        Map.of(),
        List.of(JOB_DELETED),
        List.of(),
        null,
        "the attempt Job was deleted before it finished",
        null);
  }

  /** The reason shown in status and the printer column. */
  public String primaryReason() {
    return reasons.isEmpty() ? "Failed" : reasons.get(0);
  }

  private static final String RETRY_AFTER = "retry-after:";

  /** The value of the message's last non-blank line when it reads {@code retry-after: VALUE}. */
  static String retryAfterHint(String message) {
    if (message == null) {
      return null;
    }
    String last =
        message.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("");
    if (last.length() <= RETRY_AFTER.length()
        || !last.regionMatches(true, 0, RETRY_AFTER, 0, RETRY_AFTER.length())) {
      return null;
    }
    String value = last.substring(RETRY_AFTER.length()).strip();
    return value.isEmpty() ? null : Texts.keepStart(value, MAX_MESSAGE_LENGTH);
  }
}
