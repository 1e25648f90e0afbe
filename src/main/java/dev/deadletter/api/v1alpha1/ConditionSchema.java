package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.Date;

/**
 * The CRD schema of one entry of status.conditions: metav1.Condition's, as the Kubernetes API
 * conventions ask (every field but observedGeneration required, status True, False or Unknown). The
 * Java model keeps Fabric8's {@code Condition}.
 */
@SuppressWarnings("unused") // read by the CRD generator only
final class ConditionSchema {

  /** The longest message a condition may carry (metav1.Condition's limit). */
  static final int MAX_MESSAGE = 32768;

  /** The values of a condition's status. */
  enum Status {
    True,
    False,
    Unknown
  }

  @Required
  @Size(max = 316)
  @Pattern(
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")
  @JsonPropertyDescription("Ready, Reconciling, Stalled or DeadLettered.")
  public String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  public Status status;

  @Min(0)
  @JsonPropertyDescription("The metadata.generation the condition was computed from.")
  public Long observedGeneration;

  @Required
  @JsonFormat(shape = JsonFormat.Shape.STRING) // a string in format date-time
  @JsonPropertyDescription("When the condition's status last changed (RFC 3339).")
  public Date lastTransitionTime;

  @Required
  @Size(min = 1, max = 1024)
  @Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
  @JsonPropertyDescription(
      "Why, in one CamelCase word: the phase (e.g. BackingOff), the dead-letter reason (e.g."
          + " RetriesExhausted), or what stalls the task (e.g. InvalidSpec, JobForbidden).")
  public String reason;

  @Required
  @Size(max = MAX_MESSAGE)
  @JsonPropertyDescription("A human-readable account, the same as status.message; may be empty.")
  public String message;

  /** The list, typed for the generator. */
  static final class List extends ArrayList<ConditionSchema> {}
}
