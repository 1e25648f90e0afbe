package dev.deadletter.policy;

/** A Kubernetes Event to emit on the task; {@code warning} selects type Warning over Normal. */
public record TaskEvent(boolean warning, String reason, String message) {

  public static final String ATTEMPT_STARTED = "AttemptStarted";
  public static final String ATTEMPT_FAILED = "AttemptFailed";
  public static final String ATTEMPT_BLOCKED = "AttemptBlocked";
  public static final String ATTEMPT_REFUSED = "AttemptRefused";
  public static final String BACKING_OFF = "BackingOff";
  public static final String WAITING_FOR_GATE = "WaitingForGate";
  public static final String SUCCEEDED = "Succeeded";
  public static final String DEAD_LETTERED = "DeadLettered";
  public static final String RETRY_REQUESTED = "RetryRequested";
  public static final String REDRIVEN = "Redriven";
  public static final String STALLED = "Stalled";

  static TaskEvent normal(String reason, String message) {
    return new TaskEvent(false, reason, message);
  }

  static TaskEvent warning(String reason, String message) {
    return new TaskEvent(true, reason, message);
  }
}
