package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** When a dead-lettered task starts a fresh round by itself. */
public class RedrivePolicy {

  @Default("false")
  @JsonPropertyDescription(
      "Redrive a dead-lettered task once when spec.jobTemplate changes (e.g. a fixed image tag"
          + " committed to Git): once per template version, recorded in status.lastRedrive. Other"
          + " spec edits never revive a dead letter. Default false.")
  private Boolean onTemplateChange;

  public Boolean getOnTemplateChange() {
    return onTemplateChange;
  }

  public void setOnTemplateChange(Boolean onTemplateChange) {
    this.onTemplateChange = onTemplateChange;
  }
}
