package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@code spec.jobTemplate}: only what the operator relies on is typed, the rest
 * of the Job spec is kept as given and validated by the Job API when an attempt is created.
 * Embedding the full Pod schema would make the CRD too large for client-side {@code kubectl apply}.
 */
@SuppressWarnings("unused") // read by the CRD generator only
final class JobTemplateSchema {

  @JsonPropertyDescription("Labels and annotations for every attempt Job.")
  public Metadata metadata;

  @Required
  @PreserveUnknownFields
  @JsonPropertyDescription("A batch/v1 JobSpec; see `kubectl explain job.spec`.")
  public JobSpec spec;

  static final class Metadata {
    @JsonPropertyDescription("Labels of every attempt Job (the operator adds its own).")
    public Map<String, String> labels;

    @JsonPropertyDescription("Annotations of every attempt Job (the operator adds its own).")
    public Map<String, String> annotations;
  }

  @ValidationRule(
      value =
          "!has(self.template.spec.restartPolicy) || self.template.spec.restartPolicy in ['Never', 'OnFailure']",
      message = "template.spec.restartPolicy must be Never or OnFailure",
      fieldPath = ".template.spec.restartPolicy")
  @ValidationRule(
      value = "!has(self.ttlSecondsAfterFinished)",
      message = JobSpec.TTL_REFUSED,
      fieldPath = ".ttlSecondsAfterFinished")
  static final class JobSpec {
    static final String TTL_REFUSED =
        "jobTemplate.spec.ttlSecondsAfterFinished is not allowed: the operator deletes attempt Jobs"
            + " itself (see spec.historyLimits)";

    @Required
    @PreserveUnknownFields
    @JsonPropertyDescription("The pod template of the attempt Jobs.")
    public PodTemplate template;

    // Declared so that the rule above can see it (CEL cannot read preserved unknown fields).
    @JsonPropertyDescription(
        "Not allowed: the Job's TTL could delete a finished attempt before the operator records its"
            + " outcome. The operator deletes attempt Jobs itself (spec.historyLimits).")
    public Integer ttlSecondsAfterFinished;
  }

  static final class PodTemplate {
    @PreserveUnknownFields
    @JsonPropertyDescription(
        "Labels and annotations of the attempt pods; see `kubectl explain pod.metadata`.")
    public ObjectNode metadata;

    @Required
    @PreserveUnknownFields
    @JsonPropertyDescription(
        "A core/v1 PodSpec, validated by the Job API when an attempt is created; see `kubectl"
            + " explain pod.spec`.")
    public PodSpec spec;
  }

  static final class PodSpec {
    @Required
    @Size(min = 1, max = 32)
    @JsonPropertyDescription(
        "The containers of the attempt pod, at least one; see `kubectl explain pod.spec.containers`.")
    public List<ObjectNode> containers;

    @JsonPropertyDescription("Never or OnFailure, as for any Job.")
    public String restartPolicy;
  }
}
