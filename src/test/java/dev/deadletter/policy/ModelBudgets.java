package dev.deadletter.policy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The budgets in force during one round, as the engine model saw the spec change: the largest of
 * each, and which rule keys kept one and the same budget from the round's start.
 */
final class ModelBudgets {

  private final Map<String, OptionalInt> atStart = new HashMap<>();
  private final Map<String, Integer> largest = new HashMap<>();
  private final Set<String> changed = new HashSet<>();
  private int largestMaxAttempts;

  ModelBudgets(EffectivePolicy policy) {
    policy.rules().forEach(r -> atStart.put(r.key(), r.budget()));
    see(policy);
  }

  /** The spec in force now (after an edit, or at a pass). */
  void see(EffectivePolicy policy) {
    largestMaxAttempts = Math.max(largestMaxAttempts, policy.maxAttempts());
    Set<String> keys = new HashSet<>();
    for (EffectiveRule rule : policy.rules()) {
      keys.add(rule.key());
      rule.budget().ifPresent(b -> largest.merge(rule.key(), b, Math::max));
      if (!rule.budget().equals(atStart.get(rule.key()))) {
        changed.add(rule.key());
      }
    }
    atStart.keySet().stream().filter(k -> !keys.contains(k)).forEach(changed::add);
  }

  /** The budget of a rule key that had this one all round long; empty for any other key. */
  OptionalInt unchangedBudget(String key) {
    OptionalInt b = atStart.get(key);
    return b == null || changed.contains(key) ? OptionalInt.empty() : b;
  }

  /** What every budget of the round could have allowed: a bound on its attempts. */
  int sum() {
    return largestMaxAttempts + largest.values().stream().mapToInt(Integer::intValue).sum();
  }
}
