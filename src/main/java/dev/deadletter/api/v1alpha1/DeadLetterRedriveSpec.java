package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** Which dead-lettered tasks to redrive, and how fast. Immutable once created. */
@ValidationRule(
    value =
        "!has(self.deadLetteredBefore) || !has(self.deadLetteredAfter)"
            + " || timestamp(self.deadLetteredAfter) < timestamp(self.deadLetteredBefore)",
    message = "deadLetteredAfter must be before deadLetteredBefore")
public class DeadLetterRedriveSpec {

  /** RFC 3339 with a zone, as status.deadLetter.at is written; CEL's timestamp() must parse it. */
  static final String RFC3339 =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

  public static final double DEFAULT_RATE_PER_SECOND = 5;

  public static final String DESCRIPTION =
      "Which dead-lettered tasks to redrive (all fields narrow the selection) and how fast."
          + " Immutable: delete the redrive and create a new one.";

  @SchemaFrom(type = LabelSelectorSchema.class)
  @JsonPropertyDescription(
      "Labels of the tasks to redrive (a label selector). Unset or empty: every dead-lettered task of"
          + " the namespace.")
  private LabelSelector selector;

  @Size(max = 7)
  @JsonPropertyDescription(
      "Only tasks dead-lettered for one of these reasons (status.deadLetter.reason). Unset: any.")
  private List<DeadLetterReason> reasons = new ArrayList<>();

  @Pattern(RFC3339)
  @ValidationRule(value = "timestamp(self) == timestamp(self)", message = "must be RFC 3339")
  @JsonPropertyDescription(
      "Only tasks dead-lettered before this time (status.deadLetter.at, RFC 3339). Tasks"
          + " dead-lettered after the redrive started are never selected anyway.")
  private String deadLetteredBefore;

  @Pattern(RFC3339)
  @ValidationRule(value = "timestamp(self) == timestamp(self)", message = "must be RFC 3339")
  @JsonPropertyDescription(
      "Only tasks dead-lettered at or after this time (status.deadLetter.at, RFC 3339).")
  private String deadLetteredAfter;

  @Min(0.1)
  @Max(100)
  // The schema's minimum compares an integer value (ratePerSecond: 0) with 0.1 truncated to 0.
  @ValidationRule(value = "self >= 0.1", message = "must be at least 0.1")
  @JsonPropertyDescription("At most this many tasks redriven per second (0.1 to 100, default 5).")
  private Double ratePerSecond;

  @Min(1)
  @JsonPropertyDescription(
      "Redrive at most this many tasks, the longest dead-lettered first. Unset: all that match.")
  private Integer maxTasks;

  @JsonPropertyDescription("Only count the tasks that would be redriven; annotate none.")
  private Boolean dryRun;

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public List<DeadLetterReason> getReasons() {
    return reasons;
  }

  public void setReasons(List<DeadLetterReason> reasons) {
    this.reasons = reasons == null ? new ArrayList<>() : reasons;
  }

  public String getDeadLetteredBefore() {
    return deadLetteredBefore;
  }

  public void setDeadLetteredBefore(String deadLetteredBefore) {
    this.deadLetteredBefore = deadLetteredBefore;
  }

  public String getDeadLetteredAfter() {
    return deadLetteredAfter;
  }

  public void setDeadLetteredAfter(String deadLetteredAfter) {
    this.deadLetteredAfter = deadLetteredAfter;
  }

  public Double getRatePerSecond() {
    return ratePerSecond;
  }

  public void setRatePerSecond(Double ratePerSecond) {
    this.ratePerSecond = ratePerSecond;
  }

  /** {@link #getRatePerSecond()}, or the default when unset. */
  public double ratePerSecond() {
    return ratePerSecond == null ? DEFAULT_RATE_PER_SECOND : ratePerSecond;
  }

  public Integer getMaxTasks() {
    return maxTasks;
  }

  public void setMaxTasks(Integer maxTasks) {
    this.maxTasks = maxTasks;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public boolean dryRun() {
    return Boolean.TRUE.equals(dryRun);
  }
}
