package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.reconciler.CrashPoints;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.MixedOutcomes;
import dev.deadletter.testing.OperatorProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random kills rarely land between two writes; these crashes are placed there on purpose. The
 * operator halts itself (as SIGKILL would) right after creating an attempt Job and before the
 * status that counts it, right after a status write, and between two deletions of old Jobs for the
 * history limits. It is restarted each time, until every point was hit twice; then an unarmed
 * operator finishes the work. Each attempt must still have run exactly once.
 */
class CrashPointsE2E {

  static final int TASKS = 20;
  static final int MAX_RESTARTS = 20;
  static final List<String> POINTS = List.of("after-create", "after-status", "while-pruning");
  static final int HITS_PER_POINT = 2;

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-crashpoint");

  @Test
  void crashesBetweenTwoWritesNeitherDuplicateNorLoseAnAttempt() throws Exception {
    // Keep no failed Job and one succeeded: every failure also means a deletion to crash in.
    MixedOutcomes tasks =
        MixedOutcomes.create(
            namespace.client(), namespace.name(), "point", TASKS, "1s", t -> t.keep(1, 0));
    Map<String, String> env = new HashMap<>(Map.of("WATCH_NAMESPACES", namespace.name()));
    env.put("HTTP_PORT", "0");

    Map<String, Integer> hits = new HashMap<>();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    int restarts = 0;
    while (restarts < MAX_RESTARTS && Instant.now().isBefore(deadline)) {
      // Arm only the points still short of hits, so the suite stays short.
      String armed =
          POINTS.stream()
              .filter(p -> hits.getOrDefault(p, 0) < HITS_PER_POINT)
              .map(p -> p + ":0.3")
              .collect(Collectors.joining(","));
      if (armed.isEmpty()) {
        break;
      }
      env.put(CrashPoints.ENV, armed);
      try (OperatorProcess operator = OperatorProcess.start("crashpoint-" + restarts, env)) {
        int exit = operator.exitCode(Duration.ofSeconds(30));
        if (exit == -1) {
          break; // nothing left to crash on: the work is done or waits for a backoff
        }
        assertThat(exit).as("halted by a crash point, log:%n%s", operator.log()).isEqualTo(137);
        operator
            .log()
            .lines()
            .filter(l -> l.contains("crash point "))
            .map(l -> l.replaceAll(".*crash point (\\S+) reached.*", "$1"))
            .forEach(point -> hits.merge(point, 1, Integer::sum));
        restarts++;
      }
    }
    assertThat(hits)
        .as("every crash point was hit %d times", HITS_PER_POINT)
        .containsOnlyKeys(POINTS)
        .allSatisfy((point, n) -> assertThat(n).isGreaterThanOrEqualTo(HITS_PER_POINT));

    env.remove(CrashPoints.ENV);
    try (OperatorProcess unarmed = OperatorProcess.start("crashpoint-final", env)) {
      int jobs = tasks.assertEachAttemptRanOnce(tasks.awaitFinal(Duration.ofMinutes(3)));
      System.out.printf(
          "crash points: %d tasks, %d halts %s, %d attempt Jobs, each created once%n",
          TASKS, restarts, hits, jobs);
    }
  }
}
