package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Progress of a redrive, rebuilt from the tasks on every pass: a task carrying the redrive's token
 * in its retry annotation is redriven, so no list of names is kept.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeadLetterRedriveStatus {

  public static final String DESCRIPTION =
      "Progress, read from the tasks on every pass: a task whose retry annotation carries the"
          + " redrive's token (redrive-<uid>) is redriven.";

  public static final String COMPLETE = "Complete";
  public static final String FAILED = "Failed";

  @JsonPropertyDescription(
      "When the first pass ran (RFC 3339): only tasks dead-lettered by then are ever selected, so a"
          + " task that fails again after its redrive is not redriven a second time.")
  private String startedAt;

  @JsonPropertyDescription("Tasks selected: those redriven plus those still to redrive.")
  private Integer matched;

  @JsonPropertyDescription(
      "Tasks whose retry annotation carries this redrive's token (deadletter.dev/retry-requested-at"
          + " = redrive-<uid>).")
  private Integer redriven;

  @JsonPropertyDescription("Selected tasks not redriven yet.")
  private Integer remaining;

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @SchemaFrom(type = ConditionSchema.List.class)
  @JsonPropertyDescription("Complete and Failed, in the Kubernetes condition shape.")
  private List<Condition> conditions = new ArrayList<>();

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public Integer getMatched() {
    return matched;
  }

  public void setMatched(Integer matched) {
    this.matched = matched;
  }

  public Integer getRedriven() {
    return redriven;
  }

  public void setRedriven(Integer redriven) {
    this.redriven = redriven;
  }

  public Integer getRemaining() {
    return remaining;
  }

  public void setRemaining(Integer remaining) {
    this.remaining = remaining;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
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

  public boolean isTrue(String type) {
    Condition c = condition(type);
    return c != null && "True".equals(c.getStatus());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetterRedriveStatus s
        && Objects.equals(startedAt, s.startedAt)
        && Objects.equals(matched, s.matched)
        && Objects.equals(redriven, s.redriven)
        && Objects.equals(remaining, s.remaining)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(startedAt, matched, redriven, remaining, observedGeneration);
  }
}
