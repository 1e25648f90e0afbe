package dev.deadletter.policy;

import java.time.Instant;

/**
 * A retry budget held back the retry this pass was about to start: the task waits, and no attempt
 * is spent.
 *
 * @param attempt the attempt that was held back
 * @param reason a condition reason: {@link #BUDGET_EXHAUSTED} or {@link #CIRCUIT_OPEN}
 * @param budget the RetryBudget's name
 * @param detail why, for a person; stable while the cause lasts, so a recheck writes no status
 * @param recheckAt when to ask the budget again
 */
public record BudgetHold(
    int attempt, String reason, String budget, String detail, Instant recheckAt) {

  public static final String BUDGET_EXHAUSTED = "BudgetExhausted";
  public static final String CIRCUIT_OPEN = "CircuitOpen";
}
