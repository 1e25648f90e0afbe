package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The promise a retry controller must keep: killed with SIGKILL at random moments, again and again,
 * it never creates an attempt twice and never loses one. Tasks with mixed outcomes run while the
 * operator is killed and restarted; afterwards every task ends where its simulated outcomes lead,
 * its attempts are numbered 1..n without gaps, and the API server's audit log shows each attempt
 * Job created exactly once.
 *
 * <p>CI runs a short variant; DEADLETTER_CRASH_TASKS and DEADLETTER_CRASH_KILLS make it longer.
 */
class CrashRestartE2E {

  /** Simulated exit codes per attempt, and what they must lead to with maxAttempts 3. */
  record Scenario(String exitCodes, TaskPhase phase, int attempts) {}

  static final List<Scenario> SCENARIOS =
      List.of(
          new Scenario("0", TaskPhase.Succeeded, 1),
          new Scenario("1,0", TaskPhase.Succeeded, 2),
          new Scenario("1,1,0", TaskPhase.Succeeded, 3),
          new Scenario("1,1,1", TaskPhase.DeadLettered, 3),
          new Scenario("2", TaskPhase.DeadLettered, 1)); // exit code 2: a DeadLetter rule

  static final int TASKS = Integer.getInteger("crash.tasks", envInt("DEADLETTER_CRASH_TASKS", 25));
  static final int KILLS = Integer.getInteger("crash.kills", envInt("DEADLETTER_CRASH_KILLS", 8));

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-crash");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void killedAtRandomMomentsTheOperatorNeitherDuplicatesNorLosesAnAttempt() throws Exception {
    for (int i = 0; i < TASKS; i++) {
      Scenario s = SCENARIOS.get(i % SCENARIOS.size());
      DeadLetterTask t =
          task("crash-" + i)
              .exitCodes(s.exitCodes())
              .maxAttempts(3)
              .deadLetterOnExitCodes(2)
              .podAnnotation("sim.deadletter.dev/duration", "1s")
              .build();
      client.resource(t).inNamespace(ns).create();
    }
    Map<String, String> env = Map.of("WATCH_NAMESPACES", ns, "HTTP_PORT", "0");
    Random random = new Random(42);
    for (int kill = 1; kill <= KILLS; kill++) {
      try (OperatorProcess operator = OperatorProcess.start("crash-" + kill, env)) {
        // Between 2 and 6 s: sometimes before the caches synced, mostly mid-reconcile.
        Thread.sleep(2000 + random.nextInt(4000));
        operator.kill();
      }
    }
    try (OperatorProcess survivor = OperatorProcess.start("crash-final", env)) {
      List<DeadLetterTask> done =
          await()
              .atMost(Duration.ofMinutes(4))
              .pollInterval(Duration.ofSeconds(1))
              .until(
                  () -> client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems(),
                  l ->
                      l.size() == TASKS
                          && l.stream()
                              .allMatch(
                                  t ->
                                      t.getStatus() != null
                                          && (t.getStatus().getPhase() == TaskPhase.Succeeded
                                              || t.getStatus().getPhase()
                                                  == TaskPhase.DeadLettered)));

      Map<String, Long> creates = LocalCluster.jobCreates(ns);
      for (DeadLetterTask t : done) {
        String name = t.getMetadata().getName();
        Scenario s =
            SCENARIOS.get(Integer.parseInt(name.substring("crash-".length())) % SCENARIOS.size());
        assertThat(t.getStatus().getPhase()).as("%s phase", name).isEqualTo(s.phase());
        assertThat(t.getStatus().getAttempts()).as("%s attempts", name).isEqualTo(s.attempts());
        assertThat(t.getStatus().getHistory())
            .as("%s history", name)
            .extracting(AttemptRecord::getAttempt)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, s.attempts()).boxed().toList());
        if (s.exitCodes().equals("2")) {
          assertThat(t.getStatus().getHistory().get(0).getAction())
              .isEqualTo(RetryAction.DeadLetter);
        }
        for (int n = 1; n <= s.attempts(); n++) {
          assertThat(creates.get(name + "-" + n))
              .as("creates of %s-%d in the audit log", name, n)
              .isEqualTo(1L);
        }
      }
      assertThat(creates.keySet())
          .as("no attempt Job beyond the expected ones")
          .hasSize(done.stream().mapToInt(t -> t.getStatus().getAttempts()).sum());
      System.out.printf(
          "crash test: %d tasks, %d SIGKILLs, %d attempt Jobs, each created once%n",
          TASKS, KILLS, creates.size());
    }
  }

  private static int envInt(String name, int fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value);
  }
}
