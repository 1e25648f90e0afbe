package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Keeps the next attempt off the nodes where the rule's failures of the round ran. */
public class NodeAvoidance {

  /** The default of maxExcluded. */
  public static final int DEFAULT_MAX_EXCLUDED = 3;

  /** How strongly the nodes are avoided. */
  public enum Mode {
    /** A preferred node affinity term (weight 100): a small cluster never strands the pod. */
    Preferred,
    /** Added to every required node selector term: the pod stays Pending if no other node fits. */
    Required
  }

  @JsonPropertyDescription(
      "Preferred (default): a soft node affinity, the scheduler may still use those nodes."
          + " Required: the pod may not run on them, and stays Pending if no other node fits.")
  private Mode mode;

  @Min(1)
  @Max(10)
  @JsonPropertyDescription(
      "At most this many nodes are avoided, the most recent failures' first (1 to 10, default "
          + DEFAULT_MAX_EXCLUDED
          + ").")
  private Integer maxExcluded;

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public Integer getMaxExcluded() {
    return maxExcluded;
  }

  public void setMaxExcluded(Integer maxExcluded) {
    this.maxExcluded = maxExcluded;
  }
}
