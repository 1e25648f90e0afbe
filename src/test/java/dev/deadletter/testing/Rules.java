package dev.deadletter.testing;

import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.PodConditionMatcher;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import java.util.List;

/** Failure rules of a retry policy, for {@link TaskBuilder#rules}. */
public final class Rules {

  private Rules() {}

  public static RetryRule onExitCodes(
      RetryAction action, ExitCodeMatcher.Operator operator, Integer... codes) {
    return onExitCodesOf(null, action, operator, codes);
  }

  public static RetryRule onExitCodesOf(
      String container, RetryAction action, ExitCodeMatcher.Operator operator, Integer... codes) {
    ExitCodeMatcher matcher = new ExitCodeMatcher();
    matcher.setContainerName(container);
    matcher.setOperator(operator);
    matcher.setValues(List.of(codes));
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnExitCodes(matcher);
    return rule;
  }

  public static RetryRule onReasons(RetryAction action, String... reasons) {
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnReasons(List.of(reasons));
    return rule;
  }

  /** {@code status} may be null: the matcher's default (True) applies. */
  public static RetryRule onPodCondition(RetryAction action, String type, String status) {
    PodConditionMatcher matcher = new PodConditionMatcher();
    matcher.setType(type);
    matcher.setStatus(status);
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnPodConditions(List.of(matcher));
    return rule;
  }
}
