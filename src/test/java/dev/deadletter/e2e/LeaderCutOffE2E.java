package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.testing.FaultProxy;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The leader is cut off from the API server (a partition in its fault proxy: its requests no longer
 * reach the API server, nor do answers come back) while it creates attempt Jobs. The standby takes
 * the Lease over once it expires and goes on; then the old leader's network comes back. A leader
 * that went on reconciling would now send creates decided from its stale view, and the Jobs of
 * failed attempts are deleted as soon as they are recorded (history limit 0), so such a create
 * would start an attempt the new leader has already run: a duplicate in the audit log. The old
 * leader must instead have stopped creating once it could no longer renew within the renew
 * deadline, and exited.
 */
class LeaderCutOffE2E {

  static final int TASKS = 20;
  static final String LEASE = "cutoff";

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-cutoff");

  @Test
  void leaderCutOffMidCreateNeverCreatesAfterTheNewLeaderAndExits() throws Exception {
    var client = namespace.client();
    String ns = namespace.name();
    Map<String, String> env = LeaderElectionE2E.leaderElectionEnv(ns, LEASE);
    try (FaultProxy proxy = FaultProxy.start();
        OperatorProcess a = OperatorProcess.start("cut-a", replica("cut-a", env, proxy))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> "cut-a".equals(holder()));
      try (OperatorProcess b = OperatorProcess.start("cut-b", replica("cut-b", env, null))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> b.status("/readyz") == 200);

        // Attempts of 2 s, retries 3 s and 6 s after a failure: most retries of the first round
        // fall due together, about 6 s after the tasks were created.
        MixedOutcomes tasks =
            MixedOutcomes.create(
                client, ns, "cut", TASKS, "2s", t -> t.initialDelay("3s").keep(1, 0));
        // Cut once the first retries were created: the others are due, or being created, now.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> LocalCluster.jobCreates(ns).size() >= TASKS + 2);
        int createdBeforeCut = LocalCluster.jobCreates(ns).size();
        long cut = System.nanoTime();
        proxy.partition();

        AtomicLong exited = new AtomicLong();
        AtomicLong takenOver = new AtomicLong();
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  if (exited.get() == 0 && !a.alive()) {
                    exited.set(System.nanoTime());
                  }
                  if (takenOver.get() == 0 && "cut-b".equals(holder())) {
                    takenOver.set(System.nanoTime());
                  }
                  return takenOver.get() != 0;
                });
        // The new leader creates attempts, records their failures and deletes their Jobs before the
        // old leader's network comes back: a late create of one of those would now succeed.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> createdAndDeleted(b.log()).size() >= 3);
        Instant takeover = lease().getSpec().getAcquireTime().toInstant();
        boolean aliveAtRestore = a.alive();
        proxy.clear();

        List<DeadLetterTask> done = tasks.awaitFinal(Duration.ofMinutes(3));
        String aLog = a.log();
        List<String> late = createsReceivedAfter(ns, "cut-a", takeover);
        System.out.printf(
            "leader cut off: %d Jobs created before the cut; cut-b took over %.1f s after it;"
                + " cut-a %s; cut-a created %d, held back %d creates (guard); cut-b created %d;"
                + " audit: %d Job names created, %d creates by cut-a after the takeover %s%n",
            createdBeforeCut,
            seconds(cut, takenOver.get()),
            exited.get() != 0
                ? "exited %.1f s after the cut".formatted(seconds(cut, exited.get()))
                : aliveAtRestore ? "was still running when the network came back" : "exited",
            count(aLog, "created attempt \\d+ as Job"),
            count(aLog, "not creating attempt"),
            created(b),
            LocalCluster.jobCreates(ns).size(),
            late.size(),
            late);

        assertThat(createsReceivedAfter(ns, "cut-a", Instant.EPOCH))
            .as("the audit log tells the old leader's creates (by user agent)")
            .hasSizeGreaterThanOrEqualTo(TASKS);
        assertThat(late)
            .as("Job creates the old leader sent that reached the API server after the takeover")
            .isEmpty();
        tasks.assertEachAttemptRanOnce(done);
        assertThat(aliveAtRestore)
            .as("the old leader was still running when its network came back")
            .isFalse();
        assertThat(a.exitCode(Duration.ofSeconds(1))).isEqualTo(1);
        assertThat(aLog).contains("could not renew the leader Lease within its renew deadline");
        assertThat(b.alive()).isTrue();
        assertThat(holder()).isEqualTo("cut-b");
      }
    }
  }

  /**
   * A replica's settings: its own user agent, so that the audit log tells whose request each is;
   * with a proxy, it reaches the API server only through it.
   */
  private static Map<String, String> replica(
      String name, Map<String, String> env, FaultProxy proxy) {
    Map<String, String> replica = new HashMap<>(env);
    replica.put("KUBERNETES_USER_AGENT", name);
    if (proxy != null) {
      replica.put("KUBECONFIG", proxy.kubeconfig().toString());
    }
    return replica;
  }

  /** Job creates from this user agent that the API server received after {@code after}. */
  private static List<String> createsReceivedAfter(String ns, String userAgent, Instant after)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> creates = new ArrayList<>();
    for (String line : Files.readAllLines(LocalCluster.auditLog())) {
      JsonNode e = json.readTree(line);
      if ("create".equals(e.path("verb").asText())
          && "jobs".equals(e.path("objectRef").path("resource").asText())
          && ns.equals(e.path("objectRef").path("namespace").asText())
          && userAgent.equals(e.path("userAgent").asText())
          && Instant.parse(e.path("requestReceivedTimestamp").asText()).isAfter(after)) {
        creates.add(
            "%s (%d)"
                .formatted(
                    e.path("objectRef").path("name").asText(),
                    e.path("responseStatus").path("code").asInt()));
      }
    }
    return creates;
  }

  private static long created(OperatorProcess p) throws Exception {
    return count(p.log(), "created attempt \\d+ as Job");
  }

  /** The Jobs this replica created and then deleted for the history limits. */
  private static Set<String> createdAndDeleted(String log) {
    Set<String> created = names(log, "created attempt \\d+ as Job (\\S+)");
    created.retainAll(names(log, "delet(?:ed|ing) Job (\\S+) beyond the history limits"));
    return created;
  }

  private static Set<String> names(String log, String regex) {
    return Pattern.compile(regex)
        .matcher(log)
        .results()
        .map(m -> m.group(1))
        .collect(Collectors.toCollection(HashSet::new));
  }

  private static long count(String log, String regex) {
    return Pattern.compile(regex).matcher(log).results().count();
  }

  private static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }

  private static Lease lease() {
    return namespace.client().leases().inNamespace(namespace.name()).withName(LEASE).get();
  }

  private static String holder() {
    Lease lease = lease();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
