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

  /**
   * How far the operator's clock ({@code now}) may be from the API server's (the recorded starts)
   * in either direction without a window of the server's clock ever holding more retries than it
   * allows: a retry is counted this much longer, and a first attempt adds allowance this much
   * shorter. The cost is a token freed this much later; a larger skew can over-admit.
   */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  public static BudgetWindow count(
      EffectiveBudget budget, List<AttemptFact> attempts, Instant now) {
    Instant from = now.minus(budget.window());
    // An operator clock ahead of the server's would let a retry leave the window early...
    Instant retriesFrom = from.minus(START_PRECISION).minus(CLOCK_SKEW);
    // ...and one behind would keep counting a first attempt the server's window has left.
    Instant firstsFrom = from.plus(CLOCK_SKEW);
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
      if (!a.retry() && a.start() != null && a.startedIn(firstsFrom, now)) {
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
                  .plus(CLOCK_SKEW)
                  .plus(Duration.ofMillis(1)));
    }
    return new BudgetWindow(first, retryStarts.size(), allowed, running, next);
  }

  /** No retry may start by the window. */
  public boolean spent() {
    return retries >= allowed;
  }
}
