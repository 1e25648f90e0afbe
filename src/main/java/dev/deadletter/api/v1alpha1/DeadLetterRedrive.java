package dev.deadletter.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A bulk redrive: sets the retry annotation, at a bounded rate, on the dead-lettered tasks of its
 * namespace that its spec selects.
 */
@Group(DeadLetterTask.GROUP)
@Version(DeadLetterTask.VERSION)
@ShortNames("dlr")
@Categories(DeadLetterTask.CATEGORY)
@AdditionalPrinterColumn(
    name = "Matched",
    jsonPath = ".status.matched",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Redriven",
    jsonPath = ".status.redriven",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Remaining",
    jsonPath = ".status.remaining",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Dry-Run",
    jsonPath = ".spec.dryRun",
    type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(
    name = "Complete",
    jsonPath = ".status.conditions[?(@.type==\"Complete\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec) == has(oldSelf.spec) && (!has(self.spec) || self.spec == oldSelf.spec)",
    message =
        "spec is immutable: the tasks a redrive selects are fixed when it starts; delete it and"
            + " create a new one")
public class DeadLetterRedrive
    extends CustomResource<DeadLetterRedriveSpec, DeadLetterRedriveStatus> implements Namespaced {

  public static final String DESCRIPTION =
      "A bulk redrive: sets deadletter.dev/retry-requested-at, at most spec.ratePerSecond a second,"
          + " on the dead-lettered tasks of its namespace that its spec selects, each task once."
          + " Deleting it stops it.";

  /** The prefix of the retry annotation's value a redrive writes: the rest is its UID. */
  public static final String TOKEN_PREFIX = "redrive-";

  /**
   * The value this redrive writes into each task's retry annotation. Derived from the UID, so a
   * task already carrying it was redriven by this redrive (before a restart, say) and never is
   * again; a new redrive of the same name has a new UID and a new token.
   */
  public String token() {
    return TOKEN_PREFIX + getMetadata().getUid();
  }

  @Override
  protected DeadLetterRedriveStatus initStatus() {
    return null;
  }
}
