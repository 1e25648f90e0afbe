package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One failure rule with its defaults filled in.
 *
 * @param key how status.round.ruleFailures and the history name it: its name, or rules[i]
 * @param budget its own maxAttempts, when failures it matches are charged to it instead of the
 *     policy's maxAttempts (always set for RetryWithoutCounting: that action is never unbounded)
 * @param backoff its own backoff, when it has one
 */
public record EffectiveRule(
    RetryRule rule, String key, OptionalInt budget, Optional<Backoff> backoff) {

  static EffectiveRule of(int index, RetryRule rule, Optional<Backoff> backoff) {
    String key = rule.getName() == null ? "rules[" + index + "]" : rule.getName();
    OptionalInt budget =
        rule.getMaxAttempts() != null
            ? OptionalInt.of(rule.getMaxAttempts())
            : rule.getAction() == RetryAction.RetryWithoutCounting
                ? OptionalInt.of(RetryRule.DEFAULT_UNCOUNTED_MAX_ATTEMPTS)
                : OptionalInt.empty();
    return new EffectiveRule(rule, key, budget, backoff);
  }

  /** Whether failures this rule matches grow a count of their own for the backoff. */
  boolean ownCount() {
    return budget.isPresent() || backoff.isPresent();
  }
}
