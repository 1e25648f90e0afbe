package dev.deadletter.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A batch Job run under a retry policy until it succeeds or is dead-lettered. */
@Group(DeadLetterTask.GROUP)
@Version(DeadLetterTask.VERSION)
@ShortNames("dlt")
@Categories(DeadLetterTask.CATEGORY)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Attempts",
    jsonPath = ".status.attempts",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Max",
    jsonPath = ".spec.retryPolicy.maxAttempts",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Next-Attempt",
    jsonPath = ".status.nextAttemptAt",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Last-Reason",
    jsonPath = ".status.lastFailureReason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Dead-Letter",
    jsonPath = ".status.deadLetter.reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.message",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Active-Job",
    jsonPath = ".status.activeJob",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@ValidationRule(
    value = "self.metadata.name.size() <= " + DeadLetterTask.MAX_NAME_LENGTH,
    message =
        "metadata.name must be at most "
            + DeadLetterTask.MAX_NAME_LENGTH
            + " characters: attempt Jobs are named <task>-<attempt> and must fit 63")
public class DeadLetterTask extends CustomResource<DeadLetterTaskSpec, DeadLetterTaskStatus>
    implements Namespaced {

  public static final String GROUP = "deadletter.dev";
  public static final String VERSION = "v1alpha1";

  /** {@code kubectl get deadletter} lists the operator's resources. */
  public static final String CATEGORY = "deadletter";

  /** The CRD's description of the resource (set after generation, as spec's). */
  public static final String DESCRIPTION =
      "A batch Job run under a retry policy: each failed attempt is classified by the failure"
          + " rules, retried as a new Job after a backoff, and the task is dead-lettered (kept for"
          + " a person or a redrive) when retries are exhausted or a rule says so. Redrive with"
          + " the annotation "
          + GROUP
          + "/retry-requested-at.";

  /**
   * 63 (a label value, which the Job controller derives from the Job name) minus "-" and 10 digits.
   */
  public static final int MAX_NAME_LENGTH = 52;

  /**
   * A new value of this annotation redrives a dead-lettered task or skips the current backoff wait.
   */
  public static final String RETRY_REQUESTED_AT_ANNOTATION = GROUP + "/retry-requested-at";

  /**
   * The name of attempt Job {@code attempt} of task {@code taskName}: deterministic, so a retried
   * create of the same attempt can only ever hit AlreadyExists.
   */
  public static String attemptJobName(String taskName, int attempt) {
    return taskName + "-" + attempt;
  }

  @Override
  protected DeadLetterTaskStatus initStatus() {
    return null;
  }
}
