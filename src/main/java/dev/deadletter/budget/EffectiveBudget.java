package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.CircuitBreakerPolicy;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetSpec;
import dev.deadletter.policy.GoDuration;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A RetryBudget's spec with its defaults applied (the schema defaults them too; a budget written
 * before a default existed, or built by hand, gets the same values here).
 *
 * @param key namespace/name, unique among the budgets
 */
public record EffectiveBudget(
    String key,
    String name,
    LabelSelector selector,
    Duration window,
    int percent,
    int minRetriesPerMinute,
    OptionalInt maxConcurrentRetries,
    Optional<Breaker> circuitBreaker) {

  /** The circuit breaker's settings; {@code keyLabel} empty: a circuit per matched rule. */
  public record Breaker(
      Optional<String> keyLabel,
      int failureRate,
      int minAttempts,
      Duration window,
      Duration openFor,
      int halfOpenProbes) {}

  /**
   * @throws IllegalArgumentException when a duration does not parse
   */
  public static EffectiveBudget of(RetryBudget budget) {
    RetryBudgetSpec spec = budget.getSpec() == null ? new RetryBudgetSpec() : budget.getSpec();
    String name = budget.getMetadata().getName();
    return new EffectiveBudget(
        budget.getMetadata().getNamespace() + "/" + name,
        name,
        spec.getSelector(),
        duration(spec.getWindow(), RetryBudgetSpec.DEFAULT_WINDOW),
        or(spec.getPercent(), RetryBudgetSpec.DEFAULT_PERCENT),
        or(spec.getMinRetriesPerMinute(), RetryBudgetSpec.DEFAULT_MIN_RETRIES_PER_MINUTE),
        spec.getMaxConcurrentRetries() == null
            ? OptionalInt.empty()
            : OptionalInt.of(spec.getMaxConcurrentRetries()),
        Optional.ofNullable(spec.getCircuitBreaker()).map(EffectiveBudget::breaker));
  }

  private static Breaker breaker(CircuitBreakerPolicy p) {
    return new Breaker(
        Optional.ofNullable(p.getKeyLabel()).filter(l -> !l.isEmpty()),
        or(p.getFailureRate(), CircuitBreakerPolicy.DEFAULT_FAILURE_RATE),
        or(p.getMinAttempts(), CircuitBreakerPolicy.DEFAULT_MIN_ATTEMPTS),
        duration(p.getWindow(), CircuitBreakerPolicy.DEFAULT_WINDOW),
        duration(p.getOpenFor(), CircuitBreakerPolicy.DEFAULT_OPEN_FOR),
        or(p.getHalfOpenProbes(), CircuitBreakerPolicy.DEFAULT_HALF_OPEN_PROBES));
  }

  /** Whether a task with these labels shares this budget. */
  public boolean selects(Map<String, String> labels) {
    return LabelSelectors.matches(selector, labels);
  }

  /**
   * Retries allowed per window: max(minRetriesPerMinute scaled to the window, rounded up, and
   * percent of the first attempts, rounded down).
   */
  public int allowedRetries(int firstAttempts) {
    long floor = (long) Math.ceil(minRetriesPerMinute * (window.toMillis() / 60_000.0));
    long share = (long) percent * firstAttempts / 100;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(floor, share));
  }

  private static Duration duration(String text, String fallback) {
    return GoDuration.parse(text == null ? fallback : text);
  }

  private static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}
