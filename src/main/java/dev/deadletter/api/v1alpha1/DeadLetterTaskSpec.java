package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;

/** What to run and how to retry it. */
public class DeadLetterTaskSpec {

  /**
   * The CRD's description of spec (a field of Fabric8's CustomResource, so set after generation).
   */
  public static final String DESCRIPTION =
      "What to run (jobTemplate) and how to retry it (retryPolicy, historyLimits, redrivePolicy).";

  @Required
  @SchemaFrom(type = JobTemplateSchema.class)
  @JsonPropertyDescription(
      "The batch/v1 Job to run, as in a CronJob. Each attempt is a new Job <task>-<attempt> built from it."
          + " If spec.backoffLimit is unset it is set to 0, so one attempt is one pod and the operator owns the"
          + " retry timing. A namespace given here is ignored: Jobs only go to the task's namespace.")
  private JobTemplateSpec jobTemplate;

  @Default("{}")
  @JsonPropertyDescription("How failed attempts are retried. Every field has a default.")
  private RetryPolicy retryPolicy;

  @Default("false")
  @JsonPropertyDescription(
      "While true no new attempt starts; a running attempt is left alone and the backoff schedule is kept.")
  private Boolean suspend;

  @JsonPropertyDescription("When a dead-lettered task starts a fresh round by itself.")
  private RedrivePolicy redrivePolicy;

  @Default("{}")
  @JsonPropertyDescription("How many finished attempt Jobs to keep, by outcome.")
  private HistoryLimits historyLimits;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Delete the task this long after it succeeded (e.g. 24h, at most "
          + Durations.MAX
          + "); unset: keep it. Dead-lettered tasks are"
          + " never deleted: they wait for a redrive or for someone to look.")
  private String ttlAfterSucceeded;

  @JsonPropertyDescription(
      "The failed Job this task was captured from (set by capture); its failure is attempt 0 in the history.")
  private TaskSource source;

  @JsonPropertyDescription("Opt-in evidence kept with failed attempts, e.g. the tail of the log.")
  private Forensics forensics;

  public Forensics getForensics() {
    return forensics;
  }

  public void setForensics(Forensics forensics) {
    this.forensics = forensics;
  }

  public String getTtlAfterSucceeded() {
    return ttlAfterSucceeded;
  }

  public void setTtlAfterSucceeded(String ttlAfterSucceeded) {
    this.ttlAfterSucceeded = ttlAfterSucceeded;
  }

  public TaskSource getSource() {
    return source;
  }

  public void setSource(TaskSource source) {
    this.source = source;
  }

  public JobTemplateSpec getJobTemplate() {
    return jobTemplate;
  }

  public void setJobTemplate(JobTemplateSpec jobTemplate) {
    this.jobTemplate = jobTemplate;
  }

  public RetryPolicy getRetryPolicy() {
    return retryPolicy;
  }

  public void setRetryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = retryPolicy;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public HistoryLimits getHistoryLimits() {
    return historyLimits;
  }

  public void setHistoryLimits(HistoryLimits historyLimits) {
    this.historyLimits = historyLimits;
  }

  public RedrivePolicy getRedrivePolicy() {
    return redrivePolicy;
  }

  public void setRedrivePolicy(RedrivePolicy redrivePolicy) {
    this.redrivePolicy = redrivePolicy;
  }
}
