package dev.deadletter.e2e;

import static org.awaitility.Awaitility.await;

import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two replicas with leader election, and whichever leads is killed again and again while attempts
 * are in flight, each time replaced by a new replica (as a Deployment would). Only a leader creates
 * Jobs, so the audit log shows each attempt Job created once.
 */
class LeaderKillsE2E {

  static final int LEADER_KILLS = CrashRestartE2E.envInt("DEADLETTER_LEADER_KILLS", 3);

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-leader-kills");

  @Test
  void leaderKilledRepeatedlyNeverLeadsToADuplicateOrLostAttempt() throws Exception {
    var client = namespace.client();
    String ns = namespace.name();
    Map<String, String> env = new HashMap<>(LeaderElectionE2E.leaderElectionEnv(ns, "repeated"));
    env.put("HTTP_PORT", "0");
    MixedOutcomes tasks = MixedOutcomes.create(client, ns, "repeat", 15, "3s");
    Map<String, OperatorProcess> replicas = new HashMap<>();
    int started = 0;
    try {
      for (; started < 2; started++) {
        replicas.put("rep-" + started, OperatorProcess.start("rep-" + started, env));
      }
      for (int kill = 1; kill <= LEADER_KILLS; kill++) {
        String leader =
            await().atMost(Duration.ofSeconds(60)).until(() -> holder(), replicas::containsKey);
        replicas.remove(leader).kill();
        String name = "rep-" + started++;
        replicas.put(name, OperatorProcess.start(name, env));
        System.out.printf("leader election: killed leader %s (kill %d)%n", leader, kill);
      }
      int jobs = tasks.assertEachAttemptRanOnce(tasks.awaitFinal(Duration.ofMinutes(3)));
      System.out.printf(
          "leader election: %d leaders killed, %d attempt Jobs, each created once%n",
          LEADER_KILLS, jobs);
    } finally {
      for (OperatorProcess p : replicas.values()) {
        p.close();
      }
    }
  }

  private static String holder() {
    Lease lease =
        namespace.client().leases().inNamespace(namespace.name()).withName("repeated").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
