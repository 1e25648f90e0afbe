package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server sheds load: API Priority and Fairness gives the operator's user the smallest share
 * of concurrency and rejects what does not fit with HTTP 429. The operator must slow down and still
 * converge, each attempt run once, without a retry storm.
 */
class ThrottlingE2E {

  static final String USER = "deadletter-throttled";
  static final int TASKS = 40;

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-throttle");

  static KubernetesClient admin;

  @BeforeAll
  static void throttleTheOperatorsUser() throws IOException {
    admin = namespace.client();
    try (InputStream apf = ThrottlingE2E.class.getResourceAsStream("/faults/apf-throttled.yaml")) {
      admin.load(apf).forceConflicts().serverSideApply();
    }
    // Authorization is not what this test is about: the throttled user may do anything.
    admin.resource(binding()).forceConflicts().serverSideApply();
  }

  @AfterAll
  static void removeTheThrottle() {
    admin.resource(binding()).delete();
    admin.flowControl().v1().flowSchema().withName(USER).delete();
    admin.flowControl().v1().priorityLevelConfigurations().withName(USER).delete();
  }

  @Test
  void rejectedWith429TheOperatorSlowsDownAndConvergesWithoutDuplicates() throws Exception {
    String kubeconfig = userKubeconfig();
    double rejectedBefore = apfTotal("apiserver_flowcontrol_rejected_requests_total");
    double dispatchedBefore = apfTotal("apiserver_flowcontrol_dispatched_requests_total");

    MixedOutcomes tasks =
        MixedOutcomes.create(admin, namespace.name(), "throttled", TASKS, "500ms");
    Map<String, String> env =
        Map.of("KUBECONFIG", kubeconfig, "WATCH_NAMESPACES", namespace.name(), "HTTP_PORT", "0");
    try (OperatorProcess operator = OperatorProcess.start("throttled", env)) {
      int jobs = tasks.assertEachAttemptRanOnce(tasks.awaitFinal(Duration.ofMinutes(4)));

      double rejected = apfTotal("apiserver_flowcontrol_rejected_requests_total") - rejectedBefore;
      double dispatched =
          apfTotal("apiserver_flowcontrol_dispatched_requests_total") - dispatchedBefore;
      System.out.printf(
          "throttling: %d tasks, %d attempt Jobs, %.0f requests served, %.0f rejected with 429%n",
          TASKS, jobs, dispatched, rejected);
      assertThat(rejected).as("the API server did reject requests with 429").isPositive();
      // A Job create, a pod-free status write or two, an Event or two: a retry storm would be far
      // more.
      assertThat(dispatched / jobs).as("requests served per attempt Job").isLessThan(15);
      assertThat(operator.alive()).isTrue();
    }
  }

  private static ClusterRoleBinding binding() {
    return new ClusterRoleBindingBuilder()
        .withNewMetadata()
        .withName("e2e-" + USER)
        .endMetadata()
        .withNewRoleRef()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole")
        .withName("cluster-admin")
        .endRoleRef()
        .addNewSubject()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind("User")
        .withName(USER)
        .endSubject()
        .build();
  }

  /** A client certificate for USER, from the local cluster's CA. */
  private static String userKubeconfig() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("hack/cluster.sh", "user", USER).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("hack/cluster.sh user %s: %s", USER, out)
        .isTrue();
    return out.lines().reduce((a, b) -> b).orElseThrow();
  }

  /** The sum of an APF counter over the throttled priority level, from the API server. */
  private static double apfTotal(String metric) {
    Matcher m =
        Pattern.compile(
                "(?m)^" + metric + "\\{[^}]*priority_level=\"" + USER + "\"[^}]*\\} ([0-9.eE+-]+)$")
            .matcher(admin.raw("/metrics"));
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }
}
