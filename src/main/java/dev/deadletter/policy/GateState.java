package dev.deadletter.policy;

/**
 * What a pass saw of one retry gate's object.
 *
 * @param detail for a person: why the gate does not hold (e.g. "condition Available is False
 *     (MinimumReplicasUnavailable)", "not found"); null when it holds
 */
public record GateState(Status status, String detail) {

  public enum Status {
    /** The object exists and has the condition. */
    HOLDS,
    /** The object is missing, or lacks the condition. */
    CLOSED,
    /** The operator is not configured to watch the gate's kind: it cannot ever hold. */
    NOT_ALLOWED
  }

  public static final GateState HOLDING = new GateState(Status.HOLDS, null);

  public static GateState closed(String detail) {
    return new GateState(Status.CLOSED, detail);
  }

  public static GateState notAllowed(String detail) {
    return new GateState(Status.NOT_ALLOWED, detail);
  }

  public boolean holds() {
    return status == Status.HOLDS;
  }
}
