package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.PoisonPolicy;
import dev.deadletter.api.v1alpha1.RetryAfterPolicy;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the workload's failures say, on the full local cluster: the same failure again and again is
 * poison, and a termination message ending in "retry-after: D" sets the wait (KWOK pods take their
 * termination message from sim.deadletter.dev/message).
 */
class WorkloadHintsE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-hints");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void theSameFailureThreeTimesInARowIsPoisonAndStopsTheRoundEarly() {
    DeadLetterTask task =
        task("poison")
            .exitCodes("3")
            .podAnnotation("sim.deadletter.dev/message", "no such table: orders")
            .maxAttempts(10)
            .initialDelay("1s")
            .build();
    PoisonPolicy poison = new PoisonPolicy();
    poison.setConsecutiveIdenticalFailures(3);
    task.getSpec().getRetryPolicy().setPoison(poison);
    client.resource(task).inNamespace(ns).create();

    DeadLetterTask dead =
        awaitTask("poison", t -> t.getStatus().getPhase() == TaskPhase.DeadLettered);

    assertThat(dead.getStatus().getAttempts()).as("3 of a budget of 10").isEqualTo(3);
    assertThat(dead.getStatus().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.PoisonDetected);
    assertThat(dead.getStatus().getHistory())
        .extracting(AttemptRecord::getMessage)
        .containsOnly("no such table: orders");
  }

  @Test
  void aRetryAfterHintSetsTheWaitWithinItsBoundsInsteadOfTheBackoff() {
    create("hinted", "retry-after: 4s", "1s", "10s");
    create("clamped", "rate limited\nretry-after: 2m", "1s", "3s");

    DeadLetterTask hinted =
        awaitTask("hinted", t -> t.getStatus().getPhase() == TaskPhase.Succeeded);
    DeadLetterTask clamped =
        awaitTask("clamped", t -> t.getStatus().getPhase() == TaskPhase.Succeeded);

    assertThat(waitBeforeAttempt2(hinted))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(4))
        .isLessThan(Duration.ofSeconds(30));
    assertThat(hinted.getStatus().getHistory().get(0).getRetryAfter().getDelay()).isEqualTo("4s");
    assertThat(waitBeforeAttempt2(clamped))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3))
        .isLessThan(Duration.ofSeconds(30));
    assertThat(clamped.getStatus().getHistory().get(0).getRetryAfter().getHint()).isEqualTo("2m");
    assertThat(clamped.getStatus().getHistory().get(0).getRetryAfter().getDelay()).isEqualTo("3s");
  }

  /** A task whose first attempt fails with this message; its own backoff would wait 1 minute. */
  private static void create(String name, String message, String min, String max) {
    DeadLetterTask task =
        task(name)
            .exitCodes("75,0")
            .podAnnotation("sim.deadletter.dev/message", message)
            .maxAttempts(3)
            .initialDelay("1m")
            .build();
    RetryAfterPolicy honour = new RetryAfterPolicy();
    honour.setMin(min);
    honour.setMax(max);
    task.getSpec().getRetryPolicy().setHonorRetryAfter(honour);
    client.resource(task).inNamespace(ns).create();
  }

  private static Duration waitBeforeAttempt2(DeadLetterTask t) {
    return Duration.between(
        Instant.parse(t.getStatus().getHistory().get(0).getFinishTime()),
        Instant.parse(t.getStatus().getHistory().get(1).getStartTime()));
  }

  private static DeadLetterTask awaitTask(String name, Predicate<DeadLetterTask> condition) {
    return namespace.awaitTask(name, condition);
  }
}
