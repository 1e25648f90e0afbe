package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Exponential backoff with jitter between attempts. */
@ValidationRule(
    value =
        "!has(self.initialDelay) || !has(self.maxDelay)"
            + " || duration(self.maxDelay) >= duration(self.initialDelay)",
    message = "maxDelay must not be shorter than initialDelay",
    fieldPath = ".maxDelay")
public class BackoffPolicy {

  @Pattern(Durations.PATTERN)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Wait before the FIRST retry (default 10s, at most "
          + Durations.MAX
          + "). The wait before attempt n+1 is"
          + " min(initialDelay * multiplier^(n-1), maxDelay), then jittered.")
  private String initialDelay;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Factor by which the wait grows after each failed attempt (default 2, at least 1).")
  private Double multiplier;

  @Pattern(Durations.PATTERN)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Upper bound of the wait before jitter (default 10m, at most " + Durations.MAX + ").")
  private String maxDelay;

  @Min(0)
  @Max(1)
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
