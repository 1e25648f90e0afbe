package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schema's {@code default:}s, which the API server writes into every task, are what the
 * operator would assume anyway: a spec with them filled in is the same policy as without them. So
 * the defaults change what {@code kubectl get -o yaml} shows, never what a task does.
 */
class SchemaDefaultsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{retryPolicy: {}, historyLimits: {}, redrivePolicy: {}}",
        // Only initialDelay, above the default maxDelay: it becomes the cap.
        "{retryPolicy: {backoff: {initialDelay: 20m}}}",
        "{retryPolicy: {maxAttempts: 7, backoff: {jitter: 0}}}",
        // A rule's backoff takes each field it leaves out from retryPolicy.backoff.
        "{retryPolicy: {backoff: {initialDelay: 1s, multiplier: 3},"
            + " rules: [{action: Retry, onReasons: [OOMKilled], backoff: {maxDelay: 1m}}]}}",
        "{retryPolicy: {honorRetryAfter: {max: 5m}}}",
        "{historyLimits: {failed: 0}, suspend: true}",
      })
  void aSpecWithTheSchemaDefaultsFilledInIsTheSamePolicy(String given) throws IOException {
    ObjectNode spec = (ObjectNode) YAML.readTree(given);
    spec.set("jobTemplate", JSON.valueToTree(Tasks.jobTemplate()));
    ObjectNode defaulted = spec.deepCopy();
    applyDefaults(defaulted, specSchema());

    assertThat(defaulted).as("the schema has defaults to fill in").isNotEqualTo(spec);
    assertThat(EffectivePolicy.of(JSON.treeToValue(defaulted, DeadLetterTaskSpec.class)))
        .usingRecursiveComparison()
        .isEqualTo(EffectivePolicy.of(JSON.treeToValue(spec, DeadLetterTaskSpec.class)));
  }

  /**
   * Structural defaulting as the API server does it: a missing field with a default gets it, then
   * the fields inside are defaulted too.
   */
  static void applyDefaults(JsonNode node, JSONSchemaProps schema) {
    if (node instanceof ObjectNode object && schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach(
              (name, child) -> {
                if (!object.has(name) && child.getDefault() != null) {
                  object.set(name, JSON.valueToTree(child.getDefault()));
                }
                if (object.has(name)) {
                  applyDefaults(object.get(name), child);
                }
              });
    }
    if (node instanceof ArrayNode array && schema.getItems() != null) {
      array.forEach(item -> applyDefaults(item, schema.getItems().getSchema()));
    }
  }

  private static JSONSchemaProps specSchema;

  private static synchronized JSONSchemaProps specSchema() throws IOException {
    if (specSchema == null) {
      specSchema = readSpecSchema();
    }
    return specSchema;
  }

  private static JSONSchemaProps readSpecSchema() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(Path.of("crds/deadlettertasks.deadletter.dev-v1.yml")));
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }
}
