package dev.deadletter.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What one pass saw of a task's world: its attempt Jobs (with their pods' evidence folded in), and
 * whether the API server has just refused the Job of the attempt this pass tried to start. The
 * decider reads only those two; the rest is for the reconciler around it.
 *
 * @param attempts the task's own attempt Jobs by attempt number; the latest attempt must be present
 *     if its Job exists (the observer confirms a cache miss with the API server)
 * @param refusal null unless this pass's create of an attempt Job was refused
 * @param failedContainers by attempt number, for failed attempts: the container whose failure ended
 *     it, in the pods the attempt was read from (where its log tail is)
 * @param lookAgainAfter when to look again though nothing the caches watch changes (a running
 *     attempt's Job has no pod yet, and Events say why only later); null when there is no need
 * @param observedAt when the caches and the API server were read: the pass's now; null when not
 *     stamped (an observation built by hand)
 * @param gates the retry gates of the task's policy by {@code Kind/name}; a gate missing here was
 *     not looked at and does not hold
 * @param hold null unless a retry budget held back the attempt this pass tried to start
 */
public record Observation(
    Map<Integer, ObservedAttempt> attempts,
    CreateRefusal refusal,
    Map<Integer, ContainerRef> failedContainers,
    Duration lookAgainAfter,
    Instant observedAt,
    Map<String, GateState> gates,
    BudgetHold hold) {

  public Observation {
    attempts = Map.copyOf(attempts);
    failedContainers = Map.copyOf(failedContainers);
    gates = Map.copyOf(gates);
  }

  public static Observation of(Map<Integer, ObservedAttempt> attempts) {
    return new Observation(attempts, null, Map.of(), null, null, Map.of(), null);
  }

  public Observation(
      Map<Integer, ObservedAttempt> attempts,
      CreateRefusal refusal,
      Map<Integer, ContainerRef> failedContainers,
      Duration lookAgainAfter,
      Instant observedAt,
      Map<String, GateState> gates) {
    this(attempts, refusal, failedContainers, lookAgainAfter, observedAt, gates, null);
  }

  /** The same world, with the retry gates' objects as seen. */
  public Observation withGates(Map<String, GateState> seen) {
    return new Observation(
        attempts, refusal, failedContainers, lookAgainAfter, observedAt, seen, hold);
  }

  /** The gate as seen; one not looked at does not hold. */
  public GateState gate(String key) {
    return gates.getOrDefault(key, GateState.closed("not looked at yet"));
  }

  /** The same world, after the API server refused the Job of attempt {@code attempt}. */
  public Observation refused(int attempt, String reason, String message) {
    return new Observation(
        attempts,
        new CreateRefusal(attempt, reason, message),
        failedContainers,
        lookAgainAfter,
        observedAt,
        gates,
        hold);
  }

  /** The same world, after a retry budget held back the attempt this pass tried to start. */
  public Observation held(BudgetHold held) {
    return new Observation(
        attempts, refusal, failedContainers, lookAgainAfter, observedAt, gates, held);
  }

  /**
   * @param reason a condition reason: JobForbidden, InvalidJobTemplate or JobNameTaken
   * @param message what the API server said, for a person
   */
  public record CreateRefusal(int attempt, String reason, String message) {}
}
