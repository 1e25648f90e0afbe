/**
 * Retry budgets and circuit breakers shared by many tasks: pure counting and circuit judgement
 * ({@link dev.deadletter.budget.BudgetWindow}, {@link dev.deadletter.budget.CircuitBreaker}) over
 * the selected tasks' histories, and the ledger that admits or holds back each retry.
 */
package dev.deadletter.budget;
