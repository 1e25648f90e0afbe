package dev.deadletter.e2e;

import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
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

  static final int TASKS = Integer.getInteger("crash.tasks", envInt("DEADLETTER_CRASH_TASKS", 25));
  static final int KILLS = Integer.getInteger("crash.kills", envInt("DEADLETTER_CRASH_KILLS", 8));

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-crash");

  @Test
  void killedAtRandomMomentsTheOperatorNeitherDuplicatesNorLosesAnAttempt() throws Exception {
    MixedOutcomes tasks =
        MixedOutcomes.create(namespace.client(), namespace.name(), "crash", TASKS, "1s");
    Map<String, String> env = Map.of("WATCH_NAMESPACES", namespace.name(), "HTTP_PORT", "0");
    Random random = new Random(42);
    for (int kill = 1; kill <= KILLS; kill++) {
      try (OperatorProcess operator = OperatorProcess.start("crash-" + kill, env)) {
        // Between 2 and 6 s: sometimes before the caches synced, mostly mid-reconcile.
        Thread.sleep(2000 + random.nextInt(4000));
        operator.kill();
      }
    }
    try (OperatorProcess survivor = OperatorProcess.start("crash-final", env)) {
      int jobs = tasks.assertEachAttemptRanOnce(tasks.awaitFinal(Duration.ofMinutes(4)));
      System.out.printf(
          "crash test: %d tasks, %d SIGKILLs, %d attempt Jobs, each created once%n",
          TASKS, KILLS, jobs);
    }
  }

  static int envInt(String name, int fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value);
  }
}
