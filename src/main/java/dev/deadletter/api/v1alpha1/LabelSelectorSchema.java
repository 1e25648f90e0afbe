package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of a metav1 LabelSelector, with the bounds the API server needs to afford its CEL
 * rules and the operator enum it would otherwise only refuse when the tasks are listed.
 */
@SuppressWarnings("unused") // read by the CRD generator only
final class LabelSelectorSchema {

  @Size(max = 64)
  @JsonPropertyDescription("Labels a task must have, each with this value.")
  public Map<String, @Size(max = 63) String> matchLabels;

  @Size(max = 32)
  @JsonPropertyDescription("Requirements a task's labels must meet, all of them.")
  public List<Requirement> matchExpressions;

  @ValidationRule(
      value =
          "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0"
              + " : !has(self.values) || size(self.values) == 0",
      message = "In and NotIn need values; Exists and DoesNotExist take none")
  static final class Requirement {

    @Required
    @Size(min = 1, max = 317)
    @JsonPropertyDescription("The label key.")
    public String key;

    @Required
    @Pattern("^(In|NotIn|Exists|DoesNotExist)$")
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public String operator;

    @Size(max = 64)
    @JsonPropertyDescription("The values of In and NotIn.")
    public List<@Size(max = 63) String> values;
  }
}
