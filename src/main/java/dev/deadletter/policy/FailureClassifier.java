package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.PodConditionMatcher;
import dev.deadletter.api.v1alpha1.RetryRule;
import java.util.List;
import java.util.Map;

/** Applies a task's ordered failure rules to a failed attempt: the first rule that matches wins. */
public final class FailureClassifier {

  private FailureClassifier() {}

  public static Classification classify(List<RetryRule> rules, FailureDetails failure) {
    for (int i = 0; i < rules.size(); i++) {
      RetryRule rule = rules.get(i);
      if (rule.getAction() != null && matches(rule, failure)) {
        return new Classification(rule.getAction(), i);
      }
    }
    return Classification.DEFAULT;
  }

  static boolean matches(RetryRule rule, FailureDetails failure) {
    if (rule.getOnExitCodes() != null) {
      return matchesExitCodes(rule.getOnExitCodes(), failure.exitCodes());
    }
    if (rule.getOnReasons() != null) {
      return failure.reasons().stream().anyMatch(rule.getOnReasons()::contains);
    }
    if (rule.getOnPodConditions() != null) {
      return rule.getOnPodConditions().stream()
          .map(FailureClassifier::conditionKey)
          .anyMatch(failure.podConditions()::contains);
    }
    return false;
  }

  private static boolean matchesExitCodes(ExitCodeMatcher matcher, Map<String, Integer> exitCodes) {
    List<Integer> values = matcher.getValues() == null ? List.of() : matcher.getValues();
    String only = matcher.getContainerName();
    return exitCodes.entrySet().stream()
        .filter(e -> only == null || only.isEmpty() || only.equals(e.getKey()))
        .map(Map.Entry::getValue)
        .anyMatch(
            code ->
                matcher.getOperator() == ExitCodeMatcher.Operator.NotIn
                    ? code != 0 && !values.contains(code)
                    : values.contains(code));
  }

  private static String conditionKey(PodConditionMatcher m) {
    return m.getType() + "=" + (m.getStatus() == null ? "True" : m.getStatus());
  }
}
