package dev.deadletter.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What Fabric8's crd-generator (7.5.2) cannot say with annotations, applied to its output when
 * {@code hack/update-crd.sh} writes crds/: the printer columns in the order the model declares them
 * (it sorts them by JSON path), the descriptions of the resource, spec and status (spec and status
 * are fields of Fabric8's CustomResource), and status.conditions as a list map keyed by type.
 */
final class CrdPostProcessing {

  private CrdPostProcessing() {}

  static CustomResourceDefinition apply(CustomResourceDefinition crd) {
    crd.getSpec().getVersions().forEach(CrdPostProcessing::apply);
    return crd;
  }

  private static void apply(CustomResourceDefinitionVersion version) {
    List<String> order =
        Arrays.stream(DeadLetterTask.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    version
        .getAdditionalPrinterColumns()
        .sort(Comparator.comparingInt(c -> order.indexOf(c.getName())));

    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    root.setDescription(DeadLetterTask.DESCRIPTION);
    root.getProperties().get("spec").setDescription(DeadLetterTaskSpec.DESCRIPTION);
    JSONSchemaProps status = root.getProperties().get("status");
    status.setDescription(DeadLetterTaskStatus.DESCRIPTION);

    // One condition per type, merged by type under server-side apply (the API conventions).
    JSONSchemaProps conditions = status.getProperties().get("conditions");
    conditions.setXKubernetesListType("map");
    conditions.setXKubernetesListMapKeys(List.of("type"));
  }
}
