package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Matches a pod condition of the failed attempt, e.g. DisruptionTarget=True. */
public class PodConditionMatcher {

  @Required
  @Size(min = 1, max = 128)
  @JsonPropertyDescription("The pod condition type, e.g. DisruptionTarget.")
  private String type;

  @Pattern("^(True|False|Unknown)$")
  @JsonPropertyDescription("The required status (default True).")
  private String status;

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }
}
