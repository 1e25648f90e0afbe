package dev.deadletter.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kubectl explain deadlettertask --recursive} reads as reference documentation: the resource
 * and every field of the committed CRD say what they are.
 */
class CrdDescriptionsTest {

  @ParameterizedTest
  @MethodSource("dev.deadletter.api.v1alpha1.CommittedCrdTest#files")
  void everyFieldOfTheSchemaHasADescription(String file) throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(CommittedCrdTest.COMMITTED.resolve(file)));
    JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();

    List<String> undescribed = new ArrayList<>();
    walk(crd.getSpec().getNames().getSingular(), root, undescribed);

    assertThat(undescribed).as("fields without a description").isEmpty();
  }

  private static void walk(String path, JSONSchemaProps schema, List<String> undescribed) {
    if (schema.getDescription() == null || schema.getDescription().isBlank()) {
      undescribed.add(path);
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, child) -> walk(path + "." + name, child, undescribed));
    }
    // The elements of a list and the values of a map are described by their field, as kubectl
    // explain shows them; their own fields are walked.
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      walkFieldsOf(path + "[]", schema.getItems().getSchema(), undescribed);
    }
    if (schema.getAdditionalProperties() != null
        && schema.getAdditionalProperties().getSchema() != null) {
      walkFieldsOf(path + "{}", schema.getAdditionalProperties().getSchema(), undescribed);
    }
  }

  private static void walkFieldsOf(String path, JSONSchemaProps schema, List<String> undescribed) {
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, child) -> walk(path + "." + name, child, undescribed));
    }
  }
}
