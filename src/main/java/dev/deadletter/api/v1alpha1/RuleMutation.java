package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What changes in the attempts after failures a rule matched: always computed from the template, by
 * the rule's count of failures in the round, and capped.
 */
@ValidationRule(
    value = "has(self.resources) || has(self.avoidFailedNodes) || has(self.extendDeadline)",
    message = "mutate needs resources, avoidFailedNodes or extendDeadline")
public class RuleMutation {

  @JsonPropertyDescription(
      "Grow the containers' memory and cpu requests and limits by factor^k (k: this rule's"
          + " failures in the round), capped.")
  private ResourceMutation resources;

  @JsonPropertyDescription(
      "Keep the next attempt off the nodes this rule's failures of the round ran on.")
  private NodeAvoidance avoidFailedNodes;

  @JsonPropertyDescription(
      "Grow the attempt's activeDeadlineSeconds by factor^k (for rules on DeadlineExceeded),"
          + " capped.")
  private DeadlineGrowth extendDeadline;

  public ResourceMutation getResources() {
    return resources;
  }

  public void setResources(ResourceMutation resources) {
    this.resources = resources;
  }

  public NodeAvoidance getAvoidFailedNodes() {
    return avoidFailedNodes;
  }

  public void setAvoidFailedNodes(NodeAvoidance avoidFailedNodes) {
    this.avoidFailedNodes = avoidFailedNodes;
  }

  public DeadlineGrowth getExtendDeadline() {
    return extendDeadline;
  }

  public void setExtendDeadline(DeadlineGrowth extendDeadline) {
    this.extendDeadline = extendDeadline;
  }
}
