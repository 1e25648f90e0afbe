package dev.deadletter.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A budget counted over its window: a pure function of the selected tasks' attempts (grants
 * included) and the clock.
 *
 * @param nextToken when the oldest retry in the window leaves it, freeing a token; empty while
 *     tokens remain or none will free by time alone
 */
public record BudgetWindow(
    int firstAttempts, int retries, int allowed, int running, Optional<Instant> nextToken) {

  /**
   * How much longer than the window a retry is counted: a recorded start is the Job's
   * creationTimestamp, whole seconds rounded down, so it can be up to a second before the create.
   */
  static final Duration START_PRECISION = Duration.ofSeconds(1);

  public static BudgetWindow count(
      EffectiveBudget budget, List<AttemptFact> attempts, Instant now) {
    Instant from = now.minus(budget.window());
    Instant retriesFrom = from.minus(START_PRECISION);
    int first = 0;
    int running = 0;
    List<Instant> retryStarts =
        attempts.stream()
            // No upper bound: a retry another pass started after this caller read its clock is
            // spent all the same.
            .filter(a -> a.retry() && (a.start() == null || a.start().isAfter(retriesFrom)))
            .map(a -> a.start() == null ? now : a.start())
            .sorted()
            .toList();
    for (AttemptFact a : attempts) {
      // A first attempt whose start is unknown (running across a restart) adds no allowance.
      if (!a.retry() && a.start() != null && a.startedIn(from, now)) {
        first++;
      }
      if (a.retry() && !a.finished()) {
        running++;
      }
    }
    int allowed = budget.allowedRetries(first);
    Optional<Instant> next = Optional.empty();
    int over = retryStarts.size() - allowed;
    if (over >= 0 && over < retryStarts.size()) {
      // the (over+1)-th oldest must leave the window before one more fits
      next =
          Optional.of(
              retryStarts
                  .get(over)
                  .plus(budget.window())
                  .plus(START_PRECISION)
                  .plus(Duration.ofMillis(1)));
    }
    return new BudgetWindow(first, retryStarts.size(), allowed, running, next);
  }

  /** No retry may start by the window. */
  public boolean spent() {
    return retries >= allowed;
  }
}
