package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import java.util.Comparator;
import java.util.Optional;

/** Reading a task's status.history. */
public final class History {

  private History() {}

  /** The record of the highest attempt number; empty without a status or a record. */
  public static Optional<AttemptRecord> newest(DeadLetterTaskStatus status) {
    return status == null
        ? Optional.empty()
        : status.getHistory().stream().max(Comparator.comparingInt(AttemptRecord::getAttempt));
  }

  /** The highest attempt number recorded; 0 without a status or a record. */
  public static int newestAttempt(DeadLetterTaskStatus status) {
    return newest(status).map(AttemptRecord::getAttempt).orElse(0);
  }
}
