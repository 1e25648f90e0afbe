package dev.deadletter.policy;

import java.time.Instant;

/**
 * One attempt Job as the operator sees it, read from the Job and its pods.
 *
 * @param finishTime when the Job's Complete or Failed condition was set; null while running
 * @param failure what went wrong, for a failed attempt; null otherwise
 * @param blockedBy why a running attempt makes no progress, as a phrase for the status message
 *     (e.g. "its pod is waiting: ImagePullBackOff"); null when nothing is known to block it
 * @param mutations what the rules' mutate changed in the attempt's Job (its annotation), or null
 */
public record ObservedAttempt(
    int number,
    String jobName,
    State state,
    Instant startTime,
    Instant finishTime,
    FailureDetails failure,
    String blockedBy,
    String mutations) {

  public ObservedAttempt(
      int number,
      String jobName,
      State state,
      Instant startTime,
      Instant finishTime,
      FailureDetails failure,
      String blockedBy) {
    this(number, jobName, state, startTime, finishTime, failure, blockedBy, null);
  }

  /** The same attempt, whose Job carried these mutations (its deadletter.dev/mutations). */
  public ObservedAttempt withMutations(String applied) {
    return new ObservedAttempt(
        number, jobName, state, startTime, finishTime, failure, blockedBy, applied);
  }

  /** How far an attempt Job got. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  /** The same running attempt, blocked for the given reason. */
  public ObservedAttempt blocked(String reason) {
    return new ObservedAttempt(
        number, jobName, state, startTime, finishTime, failure, reason, mutations);
  }

  public boolean finished() {
    return state != State.RUNNING;
  }

  public static ObservedAttempt running(int number, String jobName, Instant startTime) {
    return new ObservedAttempt(number, jobName, State.RUNNING, startTime, null, null, null);
  }

  public static ObservedAttempt succeeded(
      int number, String jobName, Instant startTime, Instant finishTime) {
    return new ObservedAttempt(number, jobName, State.SUCCEEDED, startTime, finishTime, null, null);
  }

  public static ObservedAttempt failed(
      int number, String jobName, Instant startTime, Instant finishTime, FailureDetails failure) {
    return new ObservedAttempt(number, jobName, State.FAILED, startTime, finishTime, failure, null);
  }
}
