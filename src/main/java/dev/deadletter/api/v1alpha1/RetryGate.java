package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A dependency a retry waits for: an object in the task's namespace and a condition it must have.
 * While a gate does not hold, the retry waits without spending an attempt.
 */
public class RetryGate {

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription(
      "The API version of the object, e.g. apps/v1. The operator's configuration lists the kinds a"
          + " gate may name (default: apps/v1 Deployment and StatefulSet); a gate on another kind"
          + " stalls the task with a message saying so.")
  private String apiVersion;

  @Required
  @Size(min = 1, max = 63)
  @JsonPropertyDescription("The kind of the object, e.g. Deployment.")
  private String kind;

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("The name of the object, in the task's namespace.")
  private String name;

  @Required
  @JsonPropertyDescription(
      "The condition in the object's status.conditions that must hold, e.g. {type: Available}.")
  private GateCondition condition;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "How long a retry may wait for this gate, from the time the retry was due (e.g. 30m, at most "
          + Durations.MAX
          + "). Then the task is dead-lettered with reason GateTimeout. Unset: it waits as long as"
          + " retryPolicy.maxRetryDuration allows (which a gate's wait does count against).")
  private String maxWait;

  public RetryGate() {}

  public RetryGate(String apiVersion, String kind, String name, GateCondition condition) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.name = name;
    this.condition = condition;
  }

  /** How people and messages name the gate: Kind/name. */
  public String describe() {
    return kind + "/" + name;
  }

  public String getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public GateCondition getCondition() {
    return condition;
  }

  public void setCondition(GateCondition condition) {
    this.condition = condition;
  }

  public String getMaxWait() {
    return maxWait;
  }

  public void setMaxWait(String maxWait) {
    this.maxWait = maxWait;
  }

  public RetryGate withMaxWait(String maxWait) {
    this.maxWait = maxWait;
    return this;
  }

  /** A condition of the gate's object, as in its status.conditions. */
  public static class GateCondition {

    @Required
    @Size(min = 1, max = 316)
    @JsonPropertyDescription("The condition's type, e.g. Available or Ready.")
    private String type;

    @Pattern("^(True|False|Unknown)$")
    @JsonPropertyDescription(
        "The status the condition must have: True (default), False or Unknown.")
    private String status;

    public GateCondition() {}

    public GateCondition(String type) {
      this.type = type;
    }

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

    /** The status the condition must have. */
    public String wanted() {
      return status == null ? "True" : status;
    }
  }
}
