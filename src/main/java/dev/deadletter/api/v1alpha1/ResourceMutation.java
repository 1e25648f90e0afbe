package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Requests and limits that grow with each failure of the rule. */
@ValidationRule(
    value = "has(self.memory) || has(self.cpu)",
    message = "mutate.resources needs memory or cpu")
public class ResourceMutation {

  /** What happens once a failure of the rule finds every grown value already at its cap. */
  public enum OnCapReached {
    /** The round ends: dead-lettered with reason ResourceCapReached. */
    DeadLetter,
    /** The next attempt runs at the caps, and the rule's and the policy's budgets decide. */
    RetryUnchanged
  }

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Names of the containers (or init containers) whose resources grow; default: all of them.")
  private List<@Size(min = 1, max = 63) String> containers;

  @JsonPropertyDescription(
      "Memory requests and limits: template value x factor^k, capped at max (whole Mi, rounded"
          + " up).")
  private QuantityGrowth memory;

  @JsonPropertyDescription(
      "CPU requests and limits: template value x factor^k, capped at max (whole millicores,"
          + " rounded up).")
  private QuantityGrowth cpu;

  @JsonPropertyDescription(
      "DeadLetter (default): a failure of the rule after an attempt that already ran with every"
          + " grown value at its cap dead-letters the round (ResourceCapReached). RetryUnchanged:"
          + " retry at the caps.")
  private OnCapReached onCapReached;

  public List<String> getContainers() {
    return containers;
  }

  public void setContainers(List<String> containers) {
    this.containers = containers;
  }

  public QuantityGrowth getMemory() {
    return memory;
  }

  public void setMemory(QuantityGrowth memory) {
    this.memory = memory;
  }

  public QuantityGrowth getCpu() {
    return cpu;
  }

  public void setCpu(QuantityGrowth cpu) {
    this.cpu = cpu;
  }

  public OnCapReached getOnCapReached() {
    return onCapReached;
  }

  public void setOnCapReached(OnCapReached onCapReached) {
    this.onCapReached = onCapReached;
  }
}
