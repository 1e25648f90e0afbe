package dev.deadletter.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.SelectableField;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What kubectl users see of the committed CRD: names, columns, selectable fields, conditions. */
class CrdConventionsTest {

  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;

  @BeforeAll
  static void load() throws IOException {
    crd = Serialization.unmarshal(Files.readString(CommittedCrdTest.TASKS));
    version = crd.getSpec().getVersions().get(0);
  }

  @Test
  void kubectlGetDeadletterListsTasksAndTheShortNameStays() {
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("deadletter");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("dlt");
  }

  @Test
  void readyIsADefaultColumnAndMessageAndActiveJobShowWithWide() {
    assertThat(version.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == 1)
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .containsExactly(
            tuple("Message", ".status.message"), tuple("Active-Job", ".status.activeJob"));
    assertThat(version.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getName().equals("Ready"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getPriority()).isZero();
              assertThat(c.getJsonPath())
                  .isEqualTo(".status.conditions[?(@.type==\"Ready\")].status");
            });
  }

  @Test
  void redrivesAreInTheSameCategoryWithTheirOwnShortNameAndConditionsAsTheTasks()
      throws IOException {
    CustomResourceDefinition redrives =
        Serialization.unmarshal(
            Files.readString(
                CommittedCrdTest.COMMITTED.resolve(
                    CommittedCrdTest.file(DeadLetterRedrive.class))));
    assertThat(redrives.getSpec().getNames().getCategories()).containsExactly("deadletter");
    assertThat(redrives.getSpec().getNames().getShortNames()).containsExactly("dlr");
    JSONSchemaProps status =
        redrives
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("status");
    assertThat(status.getProperties().get("conditions"))
        .isEqualTo(
            version
                .getSchema()
                .getOpenAPIV3Schema()
                .getProperties()
                .get("status")
                .getProperties()
                .get("conditions")
                .toBuilder()
                .withDescription(status.getProperties().get("conditions").getDescription())
                .build());
  }

  @Test
  void phaseIsASelectableField() {
    assertThat(version.getSelectableFields())
        .extracting(SelectableField::getJsonPath)
        .containsExactly(".status.phase");
  }

  @Test
  void conditionsFollowTheKubernetesApiConventions() {
    JSONSchemaProps conditions =
        version
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("status")
            .getProperties()
            .get("conditions");
    assertThat(conditions.getXKubernetesListType()).isEqualTo("map");
    assertThat(conditions.getXKubernetesListMapKeys()).containsExactly("type");

    JSONSchemaProps item = conditions.getItems().getSchema();
    assertThat(item.getRequired())
        .containsExactlyInAnyOrder("type", "status", "lastTransitionTime", "reason", "message");
    assertThat(item.getProperties().get("status").getEnum())
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("True", "False", "Unknown");
    assertThat(item.getProperties().get("lastTransitionTime").getFormat()).isEqualTo("date-time");
  }
}
