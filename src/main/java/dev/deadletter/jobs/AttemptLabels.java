package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import java.util.OptionalInt;

/** The names and labels that tie attempt Jobs and their pods to their task. */
public final class AttemptLabels {

  /** On attempt Jobs and their pods: the owning task's name. Informers select on it. */
  public static final String TASK = DeadLetterTask.GROUP + "/task";

  /** On attempt Jobs and their pods: the attempt number. */
  public static final String ATTEMPT = DeadLetterTask.GROUP + "/attempt";

  private AttemptLabels() {}

  public static OptionalInt attemptNumber(String value) {
    if (value == null || value.isEmpty() || value.length() > 10) {
      return OptionalInt.empty();
    }
    try {
      int n = Integer.parseInt(value);
      return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
