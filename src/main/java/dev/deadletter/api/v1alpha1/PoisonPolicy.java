package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/**
 * Stops a round early when its attempts keep failing the same way: retrying a deterministic failure
 * (a poison input) only spends the budget.
 */
public class PoisonPolicy {

  @Required
  @Min(2)
  @Max(20)
  @JsonPropertyDescription(
      "Dead-letter the task (reason PoisonDetected) when this many failures in a row of one round"
          + " have the same fingerprint: exit code, reason, matched rule and termination message"
          + " (status.history[].fingerprint).")
  private Integer consecutiveIdenticalFailures;

  public Integer getConsecutiveIdenticalFailures() {
    return consecutiveIdenticalFailures;
  }

  public void setConsecutiveIdenticalFailures(Integer consecutiveIdenticalFailures) {
    this.consecutiveIdenticalFailures = consecutiveIdenticalFailures;
  }
}
