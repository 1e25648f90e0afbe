package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the budget counted when last looked at, and its circuits. The counts are rebuilt from the
 * selected tasks' histories; only the circuits' states are remembered here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetryBudgetStatus {

  public static final String DESCRIPTION =
      "The budget as last counted from the selected tasks' histories (refreshed every few seconds"
          + " while in use), and its circuits.";

  public static final String EXHAUSTED = "Exhausted";
  public static final String CIRCUIT_OPEN = "CircuitOpen";

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription("Tasks the selector selects.")
  private Integer selectedTasks;

  @JsonPropertyDescription("First attempts of a round started in the window.")
  private Integer firstAttempts;

  @JsonPropertyDescription("Retries started in the window.")
  private Integer retries;

  @JsonPropertyDescription(
      "Retries allowed in the window: max(minRetriesPerMinute scaled to the window, percent of"
          + " firstAttempts).")
  private Integer allowedRetries;

  @JsonPropertyDescription("Retry attempts running now.")
  private Integer runningRetries;

  @JsonPropertyDescription("Tasks whose next retry this budget holds back now.")
  private Integer heldTasks;

  @JsonPropertyDescription("Circuits Open or HalfOpen.")
  private Integer openCircuits;

  @JsonPropertyDescription(
      "Circuits that are Open or HalfOpen, or closed within the circuit breaker's window.")
  private List<CircuitStatus> circuits = new ArrayList<>();

  @SchemaFrom(type = ConditionSchema.List.class)
  @JsonPropertyDescription(
      "Exhausted (no retry may start now) and CircuitOpen (some circuit is Open or HalfOpen).")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Integer getSelectedTasks() {
    return selectedTasks;
  }

  public void setSelectedTasks(Integer selectedTasks) {
    this.selectedTasks = selectedTasks;
  }

  public Integer getFirstAttempts() {
    return firstAttempts;
  }

  public void setFirstAttempts(Integer firstAttempts) {
    this.firstAttempts = firstAttempts;
  }

  public Integer getRetries() {
    return retries;
  }

  public void setRetries(Integer retries) {
    this.retries = retries;
  }

  public Integer getAllowedRetries() {
    return allowedRetries;
  }

  public void setAllowedRetries(Integer allowedRetries) {
    this.allowedRetries = allowedRetries;
  }

  public Integer getRunningRetries() {
    return runningRetries;
  }

  public void setRunningRetries(Integer runningRetries) {
    this.runningRetries = runningRetries;
  }

  public Integer getHeldTasks() {
    return heldTasks;
  }

  public void setHeldTasks(Integer heldTasks) {
    this.heldTasks = heldTasks;
  }

  public Integer getOpenCircuits() {
    return openCircuits;
  }

  public void setOpenCircuits(Integer openCircuits) {
    this.openCircuits = openCircuits;
  }

  public List<CircuitStatus> getCircuits() {
    return circuits;
  }

  public void setCircuits(List<CircuitStatus> circuits) {
    this.circuits = circuits == null ? new ArrayList<>() : circuits;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? new ArrayList<>() : conditions;
  }

  /** The condition of this type, or null. */
  public Condition condition(String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryBudgetStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(selectedTasks, s.selectedTasks)
        && Objects.equals(firstAttempts, s.firstAttempts)
        && Objects.equals(retries, s.retries)
        && Objects.equals(allowedRetries, s.allowedRetries)
        && Objects.equals(runningRetries, s.runningRetries)
        && Objects.equals(heldTasks, s.heldTasks)
        && Objects.equals(openCircuits, s.openCircuits)
        && Objects.equals(circuits, s.circuits)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(retries, allowedRetries, runningRetries, heldTasks, circuits);
  }
}
