package dev.deadletter.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.api.v1alpha1.RetryGate.GateCondition;
import dev.deadletter.policy.GateState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a gate's object, as cached, reads as a gate that holds or not. */
class GateObserverTest {

  private static RetryGate gate(String type, String status) {
    GateCondition condition = new GateCondition(type);
    condition.setStatus(status);
    return new RetryGate("apps/v1", "Deployment", "db", condition);
  }

  private static GenericKubernetesResource deployment(Map<String, Object> status) {
    GenericKubernetesResource d = new GenericKubernetesResource();
    d.setApiVersion("apps/v1");
    d.setKind("Deployment");
    d.setMetadata(new ObjectMetaBuilder().withName("db").withNamespace("ns").build());
    d.setAdditionalProperty("spec", Map.of("replicas", 3));
    if (status != null) {
      d.setAdditionalProperty("status", status);
    }
    return d;
  }

  private static Map<String, Object> available(String status, String reason) {
    return Map.of(
        "replicas",
        3,
        "conditions",
        List.of(
            Map.of("type", "Progressing", "status", "True"),
            Map.of("type", "Available", "status", status, "reason", reason)));
  }

  @Test
  void holdsWhenTheObjectHasTheCondition() {
    assertThat(
            GateObserver.state(
                Optional.of(deployment(available("True", "MinimumReplicasAvailable"))),
                gate("Available", null)))
        .isEqualTo(GateState.HOLDING);
  }

  @Test
  void saysWhyItIsClosed() {
    assertThat(
            GateObserver.state(
                Optional.of(deployment(available("False", "MinimumReplicasUnavailable"))),
                gate("Available", null)))
        .isEqualTo(GateState.closed("condition Available is False (MinimumReplicasUnavailable)"));
    assertThat(GateObserver.state(Optional.empty(), gate("Available", null)))
        .isEqualTo(GateState.closed("not found"));
    assertThat(GateObserver.state(Optional.of(deployment(null)), gate("Available", null)))
        .isEqualTo(GateState.closed("it has no condition Available yet"));
  }

  @Test
  void aGateMayWaitForAConditionToBeFalse() {
    GenericKubernetesResource paused = deployment(available("False", "Maintenance"));

    assertThat(GateObserver.state(Optional.of(paused), gate("Available", "False")).holds())
        .isTrue();
    assertThat(GateObserver.state(Optional.of(paused), gate("Available", "True")).holds())
        .isFalse();
  }

  @Test
  void theCacheKeepsOnlyWhatAGateReads() {
    GenericKubernetesResource trimmed =
        TrimmingItemStore.trimGateObject(deployment(available("True", "MinimumReplicasAvailable")));

    assertThat(trimmed.getAdditionalProperties()).containsOnlyKeys("status");
    assertThat(trimmed.getAdditionalProperties().get("status"))
        .isEqualTo(
            Map.of("conditions", available("True", "MinimumReplicasAvailable").get("conditions")));
    assertThat(GateObserver.state(Optional.of(trimmed), gate("Available", null)).holds()).isTrue();
  }

  @Test
  void gateKindsAreParsedFromTheConfiguration() {
    assertThat(GateKind.parseList(" apps/v1/Deployment, v1/ConfigMap,apps/v1/Deployment ,"))
        .containsExactly(new GateKind("apps/v1", "Deployment"), new GateKind("v1", "ConfigMap"));
    assertThat(GateKind.parseList("")).isEmpty();
    assertThatThrownBy(() -> GateKind.parseList("Deployment"))
        .hasMessageContaining("is not apiVersion/Kind");
    assertThatThrownBy(() -> GateKind.parseList("apps/v1/deployments"))
        .hasMessageContaining("is not apiVersion/Kind");
  }
}
