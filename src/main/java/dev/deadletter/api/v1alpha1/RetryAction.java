package dev.deadletter.api.v1alpha1;

/** What a failure rule does with a failed attempt. */
public enum RetryAction {
  /** Retry after the backoff; the attempt counts against maxAttempts. */
  Retry,
  /** Retry after the backoff without counting the attempt (e.g. evictions, node loss). */
  RetryWithoutCounting,
  /** Stop retrying: the task is dead-lettered at once. */
  DeadLetter
}
