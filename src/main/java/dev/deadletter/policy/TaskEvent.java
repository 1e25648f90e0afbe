package dev.deadletter.policy;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.util.Map;

/**
 * A Kubernetes Event to emit on the task (or on a captured Job): {@code warning} selects type
 * Warning over Normal; {@code related}, when set, is the other object it is about, usually the
 * attempt Job (its namespace is the regarding object's).
 */
public record TaskEvent(boolean warning, String reason, String message, ObjectReference related) {

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
  public static final String CAPTURED = "Captured";
  public static final String INVALID_RETRY_POLICY = "InvalidRetryPolicy";
  // On a DeadLetterRedrive.
  public static final String REDRIVE_STARTED = "RedriveStarted";
  public static final String BUDGET_EXHAUSTED = BudgetHold.BUDGET_EXHAUSTED;
  public static final String CIRCUIT_OPEN = BudgetHold.CIRCUIT_OPEN;
  public static final String CIRCUIT_OPENED = "CircuitOpened";
  public static final String CIRCUIT_HALF_OPEN = "CircuitHalfOpen";
  public static final String CIRCUIT_CLOSED = "CircuitClosed";
  public static final String REDRIVE_COMPLETE = "RedriveComplete";
  public static final String REDRIVE_FAILED = "RedriveFailed";

  /**
   * The events.k8s.io/v1 {@code action} of each reason: what the operator did, or tried to do when
   * the event is a Warning about it.
   */
  static final Map<String, String> ACTIONS =
      Map.ofEntries(
          Map.entry(ATTEMPT_STARTED, "CreateJob"),
          Map.entry(ATTEMPT_REFUSED, "CreateJob"),
          Map.entry(ATTEMPT_FAILED, "ClassifyFailure"),
          Map.entry(ATTEMPT_BLOCKED, "ObserveAttempt"),
          Map.entry(BACKING_OFF, "ScheduleRetry"),
          Map.entry(WAITING_FOR_GATE, "WaitForGate"),
          Map.entry(SUCCEEDED, "CompleteTask"),
          Map.entry(DEAD_LETTERED, "DeadLetter"),
          Map.entry(RETRY_REQUESTED, "HandleRetryRequest"),
          Map.entry(REDRIVEN, "Redrive"),
          Map.entry(STALLED, "Decide"),
          Map.entry(CAPTURED, "CreateTask"),
          Map.entry(INVALID_RETRY_POLICY, "ParseRetryPolicy"),
          Map.entry(REDRIVE_STARTED, "SelectTasks"),
          Map.entry(REDRIVE_COMPLETE, "AnnotateTasks"),
          Map.entry(REDRIVE_FAILED, "SelectTasks"),
          Map.entry(BUDGET_EXHAUSTED, "AdmitRetry"),
          Map.entry(CIRCUIT_OPEN, "AdmitRetry"),
          Map.entry(CIRCUIT_OPENED, "JudgeCircuit"),
          Map.entry(CIRCUIT_HALF_OPEN, "JudgeCircuit"),
          Map.entry(CIRCUIT_CLOSED, "JudgeCircuit"));

  public TaskEvent {
    if (!ACTIONS.containsKey(reason)) {
      throw new IllegalArgumentException("an event reason without an action: " + reason);
    }
  }

  public TaskEvent(boolean warning, String reason, String message) {
    this(warning, reason, message, null);
  }

  /** A verb, e.g. CreateJob or DeadLetter. */
  public String action() {
    return ACTIONS.get(reason);
  }

  /** The same event, about attempt Job {@code jobName} too. */
  public TaskEvent aboutJob(String jobName) {
    return new TaskEvent(warning, reason, message, jobReference(jobName));
  }

  /** Whether the event's related object is attempt Job {@code jobName}. */
  public boolean isAboutJob(String jobName) {
    return related != null && "Job".equals(related.getKind()) && related.getName().equals(jobName);
  }

  /** The same event with another message. */
  public TaskEvent withMessage(String newMessage) {
    return new TaskEvent(warning, reason, newMessage, related);
  }

  /** The same event, about {@code related} too. */
  public TaskEvent about(ObjectReference related) {
    return new TaskEvent(warning, reason, message, related);
  }

  static TaskEvent normal(String reason, String message) {
    return new TaskEvent(false, reason, message);
  }

  static TaskEvent warning(String reason, String message) {
    return new TaskEvent(true, reason, message);
  }

  private static ObjectReference jobReference(String jobName) {
    return jobName == null
        ? null
        : new ObjectReferenceBuilder()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(jobName)
            .build();
  }
}
