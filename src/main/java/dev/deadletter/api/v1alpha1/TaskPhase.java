package dev.deadletter.api.v1alpha1;

/** Where a task stands; {@link #Succeeded} and {@link #DeadLettered} are final until a redrive. */
public enum TaskPhase {
  /** No attempt has started yet. */
  Pending,
  /** An attempt Job is running. */
  Running,
  /** The last attempt failed; the next one starts at status.nextAttemptAt. */
  BackingOff,
  /** An attempt succeeded. */
  Succeeded,
  /** Retries are exhausted or a rule said DeadLetter; waits for a redrive. */
  DeadLettered,
  /** spec.suspend is true and no attempt is running. */
  Suspended
}
