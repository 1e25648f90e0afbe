package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.AuditedCreates;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes share a Lease; the leader is killed with SIGKILL while attempts are in
 * flight. The standby takes over within the lease bound, and the API server's audit log shows each
 * attempt Job created exactly once.
 */
class LeaderElectionE2E {

  static final int TASKS = 6;
  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-leader");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void standbyTakesOverAfterTheLeaderIsKilledWithoutDuplicatingOrLosingAttempts() throws Exception {
    Map<String, String> env = leaderElectionEnv(ns, "deadletter-operator");
    try (OperatorProcess a = OperatorProcess.start("op-a", env)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> "op-a".equals(holder()));
      try (OperatorProcess b = OperatorProcess.start("op-b", env)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> b.status("/readyz") == 200);
        assertThat(holder()).as("the standby is ready but does not lead").isEqualTo("op-a");

        IntStream.rangeClosed(1, TASKS)
            .forEach(
                i ->
                    client
                        .resource(
                            task("leader-" + i)
                                .exitCodes("1,1,0")
                                .maxAttempts(3)
                                .initialDelay("2s")
                                .build())
                        .inNamespace(ns)
                        .create());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    client.batch().v1().jobs().inNamespace(ns).list().getItems().size()
                        >= TASKS + 2);

        long killed = System.nanoTime();
        a.kill();
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> "op-b".equals(holder()));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        System.out.printf(
            "leader election: op-b took over %d ms after op-a was killed%n", takeover.toMillis());
        // The standby counts the lease duration (15s) from when it last saw the Lease change, which
        // it checks
        // every retry period (2s): at most 15s + 2 x 2s, plus slack for a loaded 2-core machine.
        assertThat(takeover).isLessThan(Duration.ofSeconds(24));

        List<DeadLetterTask> done =
            await()
                .atMost(Duration.ofSeconds(120))
                .until(
                    () -> client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems(),
                    l ->
                        l.size() == TASKS
                            && l.stream()
                                .allMatch(
                                    t ->
                                        t.getStatus() != null
                                            && t.getStatus().getPhase() == TaskPhase.Succeeded));
        for (DeadLetterTask t : done) {
          assertThat(t.getStatus().getAttempts()).isEqualTo(3);
          assertThat(t.getStatus().getHistory())
              .extracting(AttemptRecord::getAttempt)
              .containsExactly(1, 2, 3);
        }
        Map<String, AuditedCreates> creates = LocalCluster.jobCreates(ns);
        List<String> expected =
            IntStream.rangeClosed(1, TASKS)
                .boxed()
                .flatMap(i -> IntStream.rangeClosed(1, 3).mapToObj(n -> "leader-" + i + "-" + n))
                .toList();
        assertThat(creates)
            .as("Job creates per name, from the audit log")
            .containsOnlyKeys(expected)
            .allSatisfy((name, count) -> assertThat(count.atMost()).isEqualTo(1));
        assertThat(b.alive()).isTrue();
      }
    }
  }

  @Test
  void leaderThatLosesItsLeaseExitsInsteadOfReconcilingOn() throws Exception {
    Map<String, String> env = leaderElectionEnv(ns, "stolen");
    try (OperatorProcess c = OperatorProcess.start("op-c", env)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> "op-c".equals(holder("stolen")));

      // Another candidate takes the Lease over (as after a network partition): op-c can no longer
      // renew.
      // op-c renews every 2s, so an edit may conflict: try again until one lands.
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  client
                      .leases()
                      .inNamespace(ns)
                      .withName("stolen")
                      .edit(
                          l -> {
                            l.getSpec().setHolderIdentity("intruder");
                            l.getSpec().setLeaseDurationSeconds(3600);
                            l.getSpec()
                                .setRenewTime(
                                    java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
                            return l;
                          }));

      assertThat(c.exitCode(Duration.ofSeconds(40))).isEqualTo(1);
      assertThat(c.log()).contains("lost the leader Lease");
    }
  }

  /** Operator settings for leader election on a Lease of this name in namespace {@code ns}. */
  static Map<String, String> leaderElectionEnv(String ns, String lease) {
    return Map.of(
        "WATCH_NAMESPACES",
        ns,
        "LEADER_ELECTION_ENABLED",
        "true",
        "LEADER_ELECTION_LEASE_NAMESPACE",
        ns,
        "LEADER_ELECTION_LEASE_NAME",
        lease);
  }

  private static String holder() {
    return holder("deadletter-operator");
  }

  private static String holder(String leaseName) {
    Lease lease = client.leases().inNamespace(ns).withName(leaseName).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
