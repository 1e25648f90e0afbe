package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A deadline that grows with each failure of the rule (for DeadlineExceeded). */
public class DeadlineGrowth {

  @Required
  @Max(10)
  @ValidationRule(value = "self > 1.0", message = "factor must be greater than 1")
  @JsonPropertyDescription(
      "The next attempt's activeDeadlineSeconds is the template's (or retryPolicy.attemptTimeout)"
          + " times factor^k, k = status.round.ruleFailures of the rule (greater than 1, at most"
          + " 10).")
  private Double factor;

  @Required
  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription("Required cap of the grown deadline (e.g. 2h).")
  private String max;

  public DeadlineGrowth() {}

  public DeadlineGrowth(Double factor, String max) {
    this.factor = factor;
    this.max = max;
  }

  public Double getFactor() {
    return factor;
  }

  public void setFactor(Double factor) {
    this.factor = factor;
  }

  public String getMax() {
    return max;
  }

  public void setMax(String max) {
    this.max = max;
  }
}
