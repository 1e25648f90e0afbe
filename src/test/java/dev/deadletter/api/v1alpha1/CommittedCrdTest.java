package dev.deadletter.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each CRD under crds/ is the one Fabric8's crd-generator makes from the Java model (at
 * process-classes), completed by {@link CrdPostProcessing}. Run {@code hack/update-crd.sh} after
 * changing the model.
 */
class CommittedCrdTest {

  /** The custom resources of the model, each with its CRD file. */
  static final List<Class<?>> KINDS =
      List.of(DeadLetterTask.class, DeadLetterRedrive.class, RetryBudget.class);

  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  static final Path COMMITTED = Path.of("crds");
  static final Path CHART_COPY = Path.of("helm/deadletter-operator/files");

  /** The DeadLetterTask CRD. */
  static final Path TASKS = COMMITTED.resolve(file(DeadLetterTask.class));

  static Stream<String> files() {
    return KINDS.stream().map(CommittedCrdTest::file);
  }

  static String file(Class<?> kind) {
    return HasMetadata.getFullResourceName(kind.asSubclass(HasMetadata.class)) + "-v1.yml";
  }

  @ParameterizedTest
  @MethodSource("files")
  void committedCrdMatchesTheJavaModel(String file) throws IOException {
    Class<?> kind = KINDS.stream().filter(k -> file(k).equals(file)).findFirst().orElseThrow();
    String expected = render(GENERATED.resolve(file), kind);
    if (Boolean.getBoolean("crd.update")) {
      Files.writeString(COMMITTED.resolve(file), expected, StandardCharsets.UTF_8);
      Files.writeString(CHART_COPY.resolve(file), expected, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(COMMITTED.resolve(file)))
        .as("%s is stale: run hack/update-crd.sh and commit the result", COMMITTED.resolve(file))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("files")
  void helmChartShipsTheSameCrd(String file) throws IOException {
    assertThat(Files.readString(CHART_COPY.resolve(file)))
        .as("the chart's copy of the CRD is stale: run hack/update-crd.sh")
        .isEqualTo(Files.readString(COMMITTED.resolve(file)));
  }

  @Test
  void everyGeneratedCrdIsCommitted() throws IOException {
    try (Stream<Path> generated = Files.list(GENERATED)) {
      assertThat(generated.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(files().toList());
    }
  }

  @Test
  void printerColumnsFollowTheModelOrder() throws IOException {
    assertThat(columns(DeadLetterTask.class))
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
    assertThat(columns(DeadLetterRedrive.class))
        .containsExactly("Matched", "Redriven", "Remaining", "Dry-Run", "Complete", "Age");
    assertThat(columns(RetryBudget.class))
        .containsExactly("Retries", "Allowed", "Running", "Held", "Open-Circuits", "Age");
  }

  @ParameterizedTest
  @MethodSource("files")
  void crdStaysUnderTheClientSideApplyAnnotationLimit(String file) throws IOException {
    // kubectl apply (client-side) stores the whole object in an annotation limited to 256 KiB.
    assertThat(Files.size(COMMITTED.resolve(file))).isLessThan(128 * 1024);
  }

  private static List<String> columns(Class<?> kind) throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(COMMITTED.resolve(file(kind))));
    return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }

  static String render(Path generated, Class<?> kind) throws IOException {
    CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(generated));
    return "# Generated from the Java model by Fabric8's crd-generator: edit the model and run hack/update-crd.sh.\n"
        + Serialization.asYaml(CrdPostProcessing.apply(crd, kind));
  }
}
