package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Matches container exit codes, as in a Job's podFailurePolicy. */
@ValidationRule(
    value =
        "!(has(self.operator) && self.operator == 'In' && has(self.values) && 0 in self.values)",
    message =
        "onExitCodes with operator In must not list 0: exit code 0 is success, never a failure",
    fieldPath = ".values")
public class ExitCodeMatcher {

  /** How the values are compared. */
  public enum Operator {
    In,
    NotIn
  }

  @Size(max = 63)
  @JsonPropertyDescription("Only look at this container; all containers when empty.")
  private String containerName;

  @Required
  @JsonPropertyDescription(
      "In: a terminated container's exit code is one of the values. NotIn: a container failed (non-zero) with"
          + " an exit code that is not one of the values.")
  private Operator operator;

  @Required
  @Size(min = 1, max = 255)
  @JsonPropertyDescription("Exit codes to compare against; 0 (success) is refused with In.")
  private List<Integer> values;

  public String getContainerName() {
    return containerName;
  }

  public void setContainerName(String containerName) {
    this.containerName = containerName;
  }

  public Operator getOperator() {
    return operator;
  }

  public void setOperator(Operator operator) {
    this.operator = operator;
  }

  public List<Integer> getValues() {
    return values;
  }

  public void setValues(List<Integer> values) {
    this.values = values;
  }
}
