package dev.deadletter.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What Fabric8's crd-generator (7.5.2) cannot say with annotations, applied to its output when
 * {@code hack/update-crd.sh} writes crds/: the printer columns in the order the model declares them
 * (it sorts them by JSON path), the descriptions of the resource, spec and status (spec and status
 * are fields of Fabric8's CustomResource), and status.conditions as a list map keyed by type.
 */
final class CrdPostProcessing {

  private CrdPostProcessing() {}

  /** The descriptions the generator cannot take from a kind's classes. */
  private record Descriptions(String resource, String spec, String status) {}

  private static final Map<Class<?>, Descriptions> DESCRIPTIONS =
      Map.of(
          DeadLetterTask.class,
          new Descriptions(
              DeadLetterTask.DESCRIPTION,
              DeadLetterTaskSpec.DESCRIPTION,
              DeadLetterTaskStatus.DESCRIPTION),
          DeadLetterRedrive.class,
          new Descriptions(
              DeadLetterRedrive.DESCRIPTION,
              DeadLetterRedriveSpec.DESCRIPTION,
              DeadLetterRedriveStatus.DESCRIPTION),
          RetryBudget.class,
          new Descriptions(
              RetryBudget.DESCRIPTION, RetryBudgetSpec.DESCRIPTION, RetryBudgetStatus.DESCRIPTION));

  /** {@code kind}: the custom resource class the CRD was generated from. */
  static CustomResourceDefinition apply(CustomResourceDefinition crd, Class<?> kind) {
    crd.getSpec().getVersions().forEach(v -> apply(v, kind));
    return crd;
  }

  private static void apply(CustomResourceDefinitionVersion version, Class<?> kind) {
    List<String> order =
        Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    version
        .getAdditionalPrinterColumns()
        .sort(Comparator.comparingInt(c -> order.indexOf(c.getName())));

    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    Descriptions descriptions = DESCRIPTIONS.get(kind);
    root.setDescription(descriptions.resource());
    root.getProperties().get("spec").setDescription(descriptions.spec());
    JSONSchemaProps status = root.getProperties().get("status");
    status.setDescription(descriptions.status());

    // One condition per type, merged by type under server-side apply (the API conventions).
    JSONSchemaProps conditions = status.getProperties().get("conditions");
    conditions.setXKubernetesListType("map");
    conditions.setXKubernetesListMapKeys(List.of("type"));
  }
}
