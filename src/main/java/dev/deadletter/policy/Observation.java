package dev.deadletter.policy;

import java.util.Map;

/**
 * What one pass saw of a task's world: its attempt Jobs (with their pods' evidence folded in), and
 * whether the API server has just refused the Job of the attempt this pass tried to start.
 *
 * @param attempts the task's own attempt Jobs by attempt number; the latest attempt must be present
 *     if its Job exists (the observer confirms a cache miss with the API server)
 * @param refusal null unless this pass's create of an attempt Job was refused
 */
public record Observation(Map<Integer, ObservedAttempt> attempts, CreateRefusal refusal) {

  public Observation {
    attempts = Map.copyOf(attempts);
  }

  public static Observation of(Map<Integer, ObservedAttempt> attempts) {
    return new Observation(attempts, null);
  }

  /** The same world, after the API server refused the Job of attempt {@code attempt}. */
  public Observation refused(int attempt, String reason, String message) {
    return new Observation(attempts, new CreateRefusal(attempt, reason, message));
  }

  /**
   * @param reason a condition reason: JobForbidden, InvalidJobTemplate or JobNameTaken
   * @param message what the API server said, for a person
   */
  public record CreateRefusal(int attempt, String reason, String message) {}
}
