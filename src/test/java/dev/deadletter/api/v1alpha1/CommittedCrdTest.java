package dev.deadletter.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD under crds/ is the one Fabric8's crd-generator makes from the Java model (at
 * process-classes), completed by {@link CrdPostProcessing}. Run {@code hack/update-crd.sh} after
 * changing the model.
 */
class CommittedCrdTest {

  static final String FILE = "deadlettertasks.deadletter.dev-v1.yml";
  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", FILE);
  static final Path COMMITTED = Path.of("crds", FILE);
  static final Path CHART_COPY = Path.of("helm/deadletter-operator/files", FILE);

  @Test
  void committedCrdMatchesTheJavaModel() throws IOException {
    String expected = render(GENERATED);
    if (Boolean.getBoolean("crd.update")) {
      Files.writeString(COMMITTED, expected, StandardCharsets.UTF_8);
      Files.writeString(CHART_COPY, expected, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(COMMITTED))
        .as("%s is stale: run hack/update-crd.sh and commit the result", COMMITTED)
        .isEqualTo(expected);
  }

  @Test
  void helmChartShipsTheSameCrd() throws IOException {
    assertThat(Files.readString(CHART_COPY))
        .as("the chart's copy of the CRD is stale: run hack/update-crd.sh")
        .isEqualTo(Files.readString(COMMITTED));
  }

  @Test
  void printerColumnsFollowTheModelOrder() throws IOException {
    CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(COMMITTED));
    assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly(
            "Phase",
            "Ready",
            "Attempts",
            "Max",
            "Next-Attempt",
            "Last-Reason",
            "Dead-Letter",
            "Age",
            "Message",
            "Active-Job");
  }

  @Test
  void crdStaysUnderTheClientSideApplyAnnotationLimit() throws IOException {
    // kubectl apply (client-side) stores the whole object in an annotation limited to 256 KiB.
    assertThat(Files.size(COMMITTED)).isLessThan(128 * 1024);
  }

  static String render(Path generated) throws IOException {
    CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(generated));
    return "# Generated from the Java model by Fabric8's crd-generator: edit the model and run hack/update-crd.sh.\n"
        + Serialization.asYaml(CrdPostProcessing.apply(crd));
  }
}
