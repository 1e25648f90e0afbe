package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.observe.GateKind;
import dev.deadletter.reconciler.CrashPoints;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchAllNamespacesWithoutLeaderElection() {
    OperatorConfig config = OperatorConfig.fromEnv(Map.of());

    assertThat(config.watchNamespaces()).isEmpty();
    assertThat(config.taskLabelSelector()).isEmpty();
    assertThat(config.reconcileThreads()).isEqualTo(10);
    assertThat(config.clientQps()).isEqualTo(50.0);
    assertThat(config.clientBurst()).isEqualTo(100);
    assertThat(config.leaderElection()).isFalse();
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.TEXT);
    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.gateKinds())
        .containsExactly(
            new GateKind("apps/v1", "Deployment"), new GateKind("apps/v1", "StatefulSet"));
  }

  @Test
  void readsEverySetting() {
    OperatorConfig config =
        OperatorConfig.fromEnv(
            Map.ofEntries(
                Map.entry("WATCH_NAMESPACES", " team-a, team-b ,"),
                Map.entry("TASK_LABEL_SELECTOR", "shard=1"),
                Map.entry("RECONCILE_THREADS", "4"),
                Map.entry("KUBE_CLIENT_QPS", "50.5"),
                Map.entry("KUBE_CLIENT_BURST", "100"),
                Map.entry("LEADER_ELECTION_ENABLED", "TRUE"),
                Map.entry("LEADER_ELECTION_LEASE_NAME", "dl.lease"),
                Map.entry("POD_NAMESPACE", "deadletter-system"),
                Map.entry("HTTP_PORT", "0"),
                Map.entry("LOG_FORMAT", "json"),
                Map.entry("LOG_LEVEL", "debug"),
                Map.entry("SHUTDOWN_TIMEOUT", "1m30s"),
                Map.entry("GATE_KINDS", "")));

    assertThat(config.watchNamespaces()).isEqualTo(Set.of("team-a", "team-b"));
    assertThat(config.taskLabelSelector()).isEqualTo("shard=1");
    assertThat(config.reconcileThreads()).isEqualTo(4);
    assertThat(config.clientQps()).isEqualTo(50.5);
    assertThat(config.clientBurst()).isEqualTo(100);
    assertThat(config.leaderElection()).isTrue();
    assertThat(config.leaseName()).isEqualTo("dl.lease");
    assertThat(config.leaseNamespace()).isEqualTo("deadletter-system");
    assertThat(config.httpPort()).isZero();
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.JSON);
    assertThat(config.logLevel()).isEqualTo("DEBUG");
    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.gateKinds()).as("empty: gates are off").isEmpty();
  }

  @Test
  void everyInvalidSettingIsNamedInOneError() {
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of(
                        "RECONCILE_THREADS", "zero",
                        "KUBE_CLIENT_QPS", "-1",
                        "WATCH_NAMESPACES", "Team_A",
                        "LOG_FORMAT", "xml",
                        "LOG_LEVEL", "loud",
                        "SHUTDOWN_TIMEOUT", "30",
                        "TASK_LABEL_SELECTOR", "shard in a",
                        "GATE_KINDS", "Deployment")))
        .isInstanceOf(OperatorConfig.InvalidConfigException.class)
        .hasMessageContaining("RECONCILE_THREADS='zero' is invalid")
        .hasMessageContaining("KUBE_CLIENT_QPS='-1' is invalid: expected 0.1..10000.0")
        .hasMessageContaining(
            "WATCH_NAMESPACES='Team_A' is invalid: 'Team_A' is not a valid Kubernetes name")
        .hasMessageContaining("LOG_FORMAT='xml' is invalid: expected one of [JSON, TEXT]")
        .hasMessageContaining("LOG_LEVEL='loud' is invalid")
        .hasMessageContaining("SHUTDOWN_TIMEOUT='30' is invalid")
        .hasMessageContaining("TASK_LABEL_SELECTOR='shard in a' is invalid")
        .hasMessageContaining(
            "GATE_KINDS='Deployment' is invalid: 'Deployment' is not apiVersion/Kind");
  }

  @Test
  void theReplicasIdentityIsItsHostnameElseARandomName() {
    assertThat(OperatorConfig.fromEnv(Map.of("HOSTNAME", "op-7f9c")).identity())
        .isEqualTo("op-7f9c");
    String random = OperatorConfig.fromEnv(Map.of()).identity();
    assertThat(random).startsWith("deadletter-operator-");
    assertThat(OperatorConfig.fromEnv(Map.of("HOSTNAME", " ")).identity())
        .startsWith("deadletter-operator-")
        .isNotEqualTo(random);
  }

  @Test
  void crashPointsAreOffUnlessTheirTestVariableArmsThem() {
    assertThat(OperatorConfig.fromEnv(Map.of()).crashPoints()).isSameAs(CrashPoints.NONE);
    assertThat(
            OperatorConfig.fromEnv(Map.of(CrashPoints.ENV, "after-create:0.2,while-pruning"))
                .crashPoints())
        .isNotSameAs(CrashPoints.NONE);
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of(CrashPoints.ENV, "before-lunch", "RECONCILE_THREADS", "0")))
        .isInstanceOf(OperatorConfig.InvalidConfigException.class)
        .hasMessageContaining("DEADLETTER_TEST_CRASH_POINTS='before-lunch' is invalid")
        .hasMessageContaining("unknown point 'before-lunch'")
        .hasMessageContaining("RECONCILE_THREADS='0' is invalid");
  }

  @Test
  void leaderElectionNeedsANamespaceForItsLease() {
    assertThatThrownBy(() -> OperatorConfig.fromEnv(Map.of("LEADER_ELECTION_ENABLED", "true")))
        .hasMessageContaining(
            "LEADER_ELECTION_LEASE_NAMESPACE (or POD_NAMESPACE) must name a namespace");
    assertThat(
            OperatorConfig.fromEnv(
                    Map.of(
                        "LEADER_ELECTION_ENABLED",
                        "true",
                        "LEADER_ELECTION_LEASE_NAMESPACE",
                        "ops"))
                .leaseNamespace())
        .isEqualTo("ops");
  }

  @Test
  void captureDefaultRetryPolicyIsHeldToTheRulesOfATasksPolicyAtStart() {
    // Accepted before, it made every capture fail (or every captured task stall) later.
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("CAPTURE_DEFAULT_RETRY_POLICY", "{attemptTimeout: 9999999h}")))
        .isInstanceOf(OperatorConfig.InvalidConfigException.class)
        .hasMessageContaining(
            "CAPTURE_DEFAULT_RETRY_POLICY='{attemptTimeout: 9999999h}' is invalid:"
                + " retryPolicy.attemptTimeout: 9999999h is longer than the maximum 8760h0m0s");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(Map.of("CAPTURE_DEFAULT_RETRY_POLICY", "{maxAttempts: 0}")))
        .isInstanceOf(OperatorConfig.InvalidConfigException.class)
        .hasMessageContaining(
            "CAPTURE_DEFAULT_RETRY_POLICY='{maxAttempts: 0}' is invalid:"
                + " retryPolicy.maxAttempts: must be at least 1");

    OperatorConfig valid =
        OperatorConfig.fromEnv(
            Map.of(
                "CAPTURE_DEFAULT_RETRY_POLICY", "{maxAttempts: 5, backoff: {initialDelay: 30s}}"));
    assertThat(valid.captureDefaultPolicy().getMaxAttempts()).isEqualTo(5);
    assertThat(OperatorConfig.fromEnv(Map.of()).captureDefaultPolicy()).isNull();
  }
}
