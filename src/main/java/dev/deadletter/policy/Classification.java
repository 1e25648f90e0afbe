package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.RetryAction;

/**
 * What the failure rules say about one failed attempt; {@code ruleIndex} is null when no rule
 * matched.
 */
public record Classification(RetryAction action, Integer ruleIndex) {

  static final Classification DEFAULT = new Classification(RetryAction.Retry, null);

  public String describe() {
    return ruleIndex == null ? "no rule matched" : "rules[" + ruleIndex + "] matched";
  }
}
