package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Why and when the current round began with a redrive. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RedriveRecord {

  /** What started a redrive. */
  public enum Trigger {
    /** A new value of the deadletter.dev/retry-requested-at annotation. */
    Annotation,
    /** spec.jobTemplate changed while redrivePolicy.onTemplateChange was true. */
    TemplateChanged
  }

  @JsonPropertyDescription("Annotation or TemplateChanged.")
  private Trigger trigger;

  @JsonPropertyDescription("When the redrive was acted on (RFC 3339).")
  private String at;

  @JsonPropertyDescription("A hash of spec.jobTemplate when the redrive started the round.")
  private String templateHash;

  public RedriveRecord() {}

  public RedriveRecord(Trigger trigger, String at, String templateHash) {
    this.trigger = trigger;
    this.at = at;
    this.templateHash = templateHash;
  }

  public Trigger getTrigger() {
    return trigger;
  }

  public void setTrigger(Trigger trigger) {
    this.trigger = trigger;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }

  public String getTemplateHash() {
    return templateHash;
  }

  public void setTemplateHash(String templateHash) {
    this.templateHash = templateHash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RedriveRecord r
        && trigger == r.trigger
        && Objects.equals(at, r.at)
        && Objects.equals(templateHash, r.templateHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(trigger, at, templateHash);
  }
}
