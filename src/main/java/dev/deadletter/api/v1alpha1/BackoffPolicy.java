package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Exponential backoff with jitter between attempts. The schema defaults are those of
 * retryPolicy.backoff; a rule's backoff has its own schema ({@link RuleBackoffSchema}), whose
 * fields default to retryPolicy.backoff's.
 */
@ValidationRule(
    value = BackoffPolicy.ORDER_RULE,
    message = BackoffPolicy.ORDER_MESSAGE,
    fieldPath = ".maxDelay")
public class BackoffPolicy {

  static final String ORDER_RULE =
      "!has(self.initialDelay) || !has(self.maxDelay)"
          + " || !self.initialDelay.matches("
          + Durations.REGEX
          + ") || !self.maxDelay.matches("
          + Durations.REGEX
          + ") || duration(self.maxDelay) >= duration(self.initialDelay)";
  static final String ORDER_MESSAGE = "maxDelay must not be shorter than initialDelay";

  /** The schema defaults; EffectivePolicy's defaults must be the same (a test compares them). */
  public static final String DEFAULT_INITIAL_DELAY = "10s";

  public static final String DEFAULT_MULTIPLIER = "2";
  public static final String DEFAULT_JITTER = "0.2";

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @Default(DEFAULT_INITIAL_DELAY)
  @JsonPropertyDescription(
      "Wait before the FIRST retry (default 10s, at most "
          + Durations.MAX
          + "). The wait before attempt n+1 is"
          + " min(initialDelay * multiplier^(n-1), maxDelay), then jittered.")
  private String initialDelay;

  @Min(1)
  @Max(100)
  @Default(DEFAULT_MULTIPLIER)
  @JsonPropertyDescription(
      "Factor by which the wait grows after each failed attempt (default 2, at least 1).")
  private Double multiplier;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Upper bound of the wait before jitter (default 10m, at most "
          + Durations.MAX
          + "; when only initialDelay is given and it is longer, initialDelay).")
  private String maxDelay;

  @Min(0)
  @Max(1)
  @Default(DEFAULT_JITTER)
  @JsonPropertyDescription(
      "Fraction of randomness (default 0.2): the wait is drawn uniformly in [d*(1-jitter), d].")
  private Double jitter;

  public String getInitialDelay() {
    return initialDelay;
  }

  public void setInitialDelay(String initialDelay) {
    this.initialDelay = initialDelay;
  }

  public Double getMultiplier() {
    return multiplier;
  }

  public void setMultiplier(Double multiplier) {
    this.multiplier = multiplier;
  }

  public String getMaxDelay() {
    return maxDelay;
  }

  public void setMaxDelay(String maxDelay) {
    this.maxDelay = maxDelay;
  }

  public Double getJitter() {
    return jitter;
  }

  public void setJitter(Double jitter) {
    this.jitter = jitter;
  }
}
