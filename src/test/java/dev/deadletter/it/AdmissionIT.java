package dev.deadletter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the CRD's schema and CEL rules reject at admission, against a real API server
 * (kube-api-test). Each file under src/test/resources/invalid-tasks/, invalid-redrives/ and
 * invalid-budgets/ starts with "# expect: " and the error text it must get.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class AdmissionIT {

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.of("it-admission").on(() -> client);

  /** Each invalid resource, with the kind that must not be stored. */
  static Stream<Arguments> invalidResources() throws IOException {
    return Stream.of(
            Map.entry("invalid-tasks", DeadLetterTask.class),
            Map.entry("invalid-redrives", DeadLetterRedrive.class),
            Map.entry("invalid-budgets", RetryBudget.class))
        .flatMap(
            dir -> {
              try {
                return Files.list(Path.of("src/test/resources", dir.getKey()))
                    .sorted()
                    .map(file -> Arguments.of(file, dir.getValue()));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  static Stream<Path> examples() throws IOException {
    return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void invalidResourceIsRejectedWithFieldMessage(Path file, Class<? extends HasMetadata> kind)
      throws IOException {
    String yaml = Files.readString(file);
    String expected = yaml.lines().findFirst().orElseThrow().replaceFirst("^# expect: ", "");

    assertThatThrownBy(
            () -> client.load(Files.newInputStream(file)).inNamespace(namespace.name()).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(expected)
        .as("a duration's error says what to write, not the regular expression that checks it")
        .hasMessageNotContaining("(ns|us|ms|s|m|h)");
    assertThat(client.resources(kind).inNamespace(namespace.name()).list().getItems())
        .as("nothing was stored")
        .isEmpty();
  }

  @Test
  void anEmptyBudgetGetsItsDefaultsFromTheApiServer() {
    RetryBudget budget =
        client
            .resource(
                Serialization.unmarshal(
                    """
                    apiVersion: deadletter.dev/v1alpha1
                    kind: RetryBudget
                    metadata: {name: defaults}
                    spec:
                      circuitBreaker: {keyLabel: dependency}
                    """,
                    RetryBudget.class))
            .inNamespace(namespace.name())
            .create();
    try {
      assertThat(budget.getSpec().getWindow()).isEqualTo("1m");
      assertThat(budget.getSpec().getPercent()).isEqualTo(20);
      assertThat(budget.getSpec().getMinRetriesPerMinute()).isEqualTo(10);
      assertThat(budget.getSpec().getMaxConcurrentRetries()).isNull();
      assertThat(budget.getSpec().getCircuitBreaker().getFailureRate()).isEqualTo(50);
      assertThat(budget.getSpec().getCircuitBreaker().getMinAttempts()).isEqualTo(10);
      assertThat(budget.getSpec().getCircuitBreaker().getOpenFor()).isEqualTo("30s");
      assertThat(budget.getSpec().getCircuitBreaker().getHalfOpenProbes()).isEqualTo(1);
    } finally {
      client.resource(budget).delete();
    }
  }

  @Test
  void aRedriveWithEveryFieldIsAcceptedAndItsSpecCannotChange() {
    DeadLetterRedrive redrive =
        client
            .resource(
                Serialization.unmarshal(
                    """
                    apiVersion: deadletter.dev/v1alpha1
                    kind: DeadLetterRedrive
                    metadata: {name: after-outage}
                    spec:
                      selector:
                        matchLabels: {team: billing}
                        matchExpressions: [{key: tier, operator: In, values: [batch]}]
                      reasons: [RetriesExhausted, GateTimeout]
                      deadLetteredAfter: "2026-11-30T22:00:00Z"
                      deadLetteredBefore: "2026-12-01T06:00:00+01:00"
                      ratePerSecond: 0.5
                      maxTasks: 500
                      dryRun: true
                    """,
                    DeadLetterRedrive.class))
            .inNamespace(namespace.name())
            .create();
    try {
      assertThatThrownBy(
              () ->
                  client
                      .resource(redrive)
                      .edit(
                          r -> {
                            r.getSpec().setDryRun(false);
                            return r;
                          }))
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("spec is immutable");
      DeadLetterRedrive labelled =
          client
              .resource(redrive)
              .edit(
                  r -> {
                    r.getMetadata().setLabels(java.util.Map.of("purpose", "test"));
                    return r;
                  });
      assertThat(labelled.getMetadata().getLabels()).containsEntry("purpose", "test");
    } finally {
      client.resource(redrive).delete();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void examplesAreAccepted(Path file) throws IOException {
    List<HasMetadata> created =
        client.load(Files.newInputStream(file)).inNamespace(namespace.name()).create();
    assertThat(created).hasSize(1);
    client.resource(created.get(0)).delete();
  }
}
