package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How one resource grows from attempt to attempt: base x factor^k, never above max. */
public class QuantityGrowth {

  /** A Kubernetes quantity without exponent forms: 512Mi, 2Gi, 500m, 1.5. */
  public static final String QUANTITY_RULE =
      "self.matches('^[0-9]+([.][0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$')";

  @Required
  @Max(10)
  @ValidationRule(value = "self > 1.0", message = "factor must be greater than 1")
  @JsonPropertyDescription(
      "The growth per failure of the rule in the round: the next attempt gets the template's value"
          + " times factor^k, k = status.round.ruleFailures of the rule (greater than 1, at most"
          + " 10).")
  private Double factor;

  @Required
  @Size(max = 32)
  @ValidationRule(
      value = QUANTITY_RULE,
      message = "max must be a quantity such as 512Mi, 2Gi, 500m or 2")
  @JsonPropertyDescription(
      "Required cap of the grown requests and limits (a quantity, e.g. 2Gi or 2). When the"
          + " attempt that failed already ran at the cap, resources.onCapReached decides.")
  private String max;

  public QuantityGrowth() {}

  public QuantityGrowth(Double factor, String max) {
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
