package dev.deadletter.api.v1alpha1;

/** Why a task was dead-lettered; recorded once, in status.deadLetter.reason. */
public enum DeadLetterReason {
  /** Every attempt that retryPolicy.maxAttempts allows failed. */
  RetriesExhausted,
  /** A failure matched a rule whose action is DeadLetter. */
  RuleMatched,
  /** A failure matched a rule that had already spent its own maxAttempts in this round. */
  RuleBudgetExhausted,
  /** The next attempt would have started later than maxRetryDuration after the round began. */
  RetryDurationExceeded,
  /** Failures in a row of the round had the same fingerprint (retryPolicy.poison). */
  PoisonDetected,
  /**
   * A failure matched a rule whose mutate.resources had already grown every value to its cap
   * (onCapReached: DeadLetter).
   */
  ResourceCapReached,
  /** A retry waited longer than a gate's maxWait for the gate to hold (retryPolicy.gates). */
  GateTimeout
}
