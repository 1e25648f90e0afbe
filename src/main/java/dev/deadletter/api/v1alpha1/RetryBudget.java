package dev.deadletter.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A retry budget shared by the tasks of its namespace that it selects: it bounds their retries
 * (never their first attempts) per window and running at once, and its circuit breakers stop
 * retries for a key while its attempts mostly fail.
 */
@Group(DeadLetterTask.GROUP)
@Version(DeadLetterTask.VERSION)
@ShortNames("dlb")
@Categories(DeadLetterTask.CATEGORY)
@AdditionalPrinterColumn(
    name = "Retries",
    jsonPath = ".status.retries",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Allowed",
    jsonPath = ".status.allowedRetries",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Running",
    jsonPath = ".status.runningRetries",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Held",
    jsonPath = ".status.heldTasks",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Open-Circuits",
    jsonPath = ".status.openCircuits",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class RetryBudget extends CustomResource<RetryBudgetSpec, RetryBudgetStatus>
    implements Namespaced {

  public static final String DESCRIPTION =
      "A retry budget for the tasks of its namespace that spec.selector selects: at most"
          + " max(minRetriesPerMinute, percent of the first attempts) retries per window, at most"
          + " maxConcurrentRetries running, and circuit breakers that stop retries while attempts"
          + " mostly fail. A retry it holds back waits (phase BackingOff); it never dead-letters.";

  @Override
  protected RetryBudgetStatus initStatus() {
    return null;
  }
}
