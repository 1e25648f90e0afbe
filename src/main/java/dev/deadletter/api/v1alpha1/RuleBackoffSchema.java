package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The CRD schema of a rule's {@link BackoffPolicy}: the same fields without schema defaults, since
 * each field a rule leaves out comes from retryPolicy.backoff, not from a fixed value.
 */
@SuppressWarnings("unused") // read by the CRD generator only
@ValidationRule(
    value = BackoffPolicy.ORDER_RULE,
    message = BackoffPolicy.ORDER_MESSAGE,
    fieldPath = ".maxDelay")
final class RuleBackoffSchema {

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Wait before this rule's first retry (at most "
          + Durations.MAX
          + "; default: retryPolicy.backoff.initialDelay).")
  public String initialDelay;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Factor by which the wait grows with each failure this rule matched (at least 1; default:"
          + " retryPolicy.backoff.multiplier).")
  public Double multiplier;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Upper bound of the wait before jitter (at most "
          + Durations.MAX
          + "; default: retryPolicy.backoff.maxDelay, or initialDelay when that is longer).")
  public String maxDelay;

  @Min(0)
  @Max(1)
  @JsonPropertyDescription(
      "Fraction of randomness: the wait is drawn uniformly in [d*(1-jitter), d] (default:"
          + " retryPolicy.backoff.jitter).")
  public Double jitter;
}
