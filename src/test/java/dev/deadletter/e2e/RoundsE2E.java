package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RedrivePolicy;
import dev.deadletter.api.v1alpha1.RedriveRecord;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.Rules;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rounds, budgets and the dead-letter latch on the full local cluster: what the engine records in
 * status holds when the world (a quota, a suspend, a spec edit) changes under a task.
 */
class RoundsE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-rounds");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void anAlwaysEvictedTaskStopsAtItsRulesBudgetInsteadOfRetryingForever() {
    // Before: an always-evicted task with maxAttempts 2 ran 45 attempts in 90 s.
    DeadLetterTask task =
        task("evicted")
            .podAnnotation("sim.deadletter.dev/evict", "true")
            .maxAttempts(2)
            .initialDelay("1s")
            .rules(Rules.onReasons(RetryAction.RetryWithoutCounting, "Evicted"))
            .build();
    task.getSpec().getRetryPolicy().getRules().get(0).setMaxAttempts(3);
    client.resource(task).inNamespace(ns).create();

    DeadLetterTask dead = awaitTask("evicted", t -> phase(t) == TaskPhase.DeadLettered);

    assertThat(dead.getStatus().getAttempts()).isEqualTo(3);
    assertThat(dead.getStatus().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RuleBudgetExhausted);
    assertThat(dead.getStatus().getRound().getRuleFailures()).containsEntry("rules[0]", 3);
    assertThat(dead.getStatus().getHistory())
        .extracting(AttemptRecord::getReason)
        .containsOnly("Evicted");
    assertNoNewAttemptFor("evicted", 3, Duration.ofSeconds(5));
  }

  @Test
  void raisingMaxAttemptsOnADeadLetteredTaskDoesNotReviveIt() {
    // Before: raising maxAttempts from 2 to 5 started attempts 3 and 4 at once.
    client
        .resource(task("raised").exitCodes("3").maxAttempts(2).initialDelay("1s").build())
        .inNamespace(ns)
        .create();
    DeadLetterTask dead = awaitTask("raised", t -> phase(t) == TaskPhase.DeadLettered);
    String at = dead.getStatus().getDeadLetter().getAt();

    DeadLetterTask edited =
        taskResource("raised")
            .edit(
                t -> {
                  t.getSpec().getRetryPolicy().setMaxAttempts(5);
                  return t;
                });
    long generation = edited.getMetadata().getGeneration();
    DeadLetterTask seen =
        awaitTask("raised", t -> t.getStatus().getObservedGeneration() == generation);

    assertThat(phase(seen)).isEqualTo(TaskPhase.DeadLettered);
    assertThat(seen.getStatus().getDeadLetter().getAt()).isEqualTo(at);
    assertNoNewAttemptFor("raised", 2, Duration.ofSeconds(5));
  }

  @Test
  void aRetryResumedPastMaxRetryDurationDeadLettersInsteadOfStarting() {
    // Before: maxRetryDuration 20s, suspended after attempt 1, resumed at 25 s: attempt 2 started.
    client
        .resource(
            task("late")
                .exitCodes("3,0")
                .maxAttempts(3)
                .initialDelay("5s")
                .maxRetryDuration("15s")
                .build())
        .inNamespace(ns)
        .create();
    DeadLetterTask backingOff = awaitTask("late", t -> phase(t) == TaskPhase.BackingOff);
    taskResource("late").edit(t -> suspend(t, true));
    awaitTask("late", t -> phase(t) == TaskPhase.Suspended);
    Instant deadline =
        Instant.parse(backingOff.getStatus().getRound().getStartedAt()).plusSeconds(15);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Instant.now().isAfter(deadline.plusSeconds(1)));

    taskResource("late").edit(t -> suspend(t, false));

    DeadLetterTask dead = awaitTask("late", t -> phase(t) == TaskPhase.DeadLettered);
    assertThat(dead.getStatus().getAttempts()).isEqualTo(1);
    assertThat(dead.getStatus().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetryDurationExceeded);
  }

  @Test
  void aRedriveRefusedByAQuotaKeepsItsRoundAndStartsOnceTheQuotaIsGone() {
    // Before: the task stayed DeadLettered and Stalled with countedAttempts 0, for minutes.
    client.resource(task("quota").exitCodes("3,0").maxAttempts(1).build()).inNamespace(ns).create();
    awaitTask("quota", t -> phase(t) == TaskPhase.DeadLettered);
    ResourceQuota quota =
        client
            .resource(
                new ResourceQuotaBuilder()
                    .withNewMetadata()
                    .withName("no-more-jobs")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .addToHard("count/jobs.batch", new Quantity("0"))
                    .endSpec()
                    .build())
            .create();

    taskResource("quota").edit(t -> redrive(t, "after-the-fix"));

    DeadLetterTask refused = awaitTask("quota", t -> t.getStatus().getRefusedStart() != null);
    assertThat(refused.getStatus().getRefusedStart().getAttempt()).isEqualTo(2);
    assertThat(refused.getStatus().getRefusedStart().getReason()).isEqualTo("JobForbidden");
    assertThat(refused.getStatus().getDeadLetter()).isNull();
    assertThat(refused.getStatus().getRound().getNumber()).isEqualTo(2);
    assertThat(refused.getStatus().getLastHandledRetryRequest()).isEqualTo("after-the-fix");
    assertThat(condition(refused, "Stalled").getReason()).isEqualTo("JobForbidden");

    client.resource(quota).delete();

    DeadLetterTask done = awaitTask("quota", t -> phase(t) == TaskPhase.Succeeded);
    assertThat(done.getStatus().getAttempts()).isEqualTo(2);
    assertThat(done.getStatus().getRound().getNumber()).isEqualTo(2);
    assertThat(done.getStatus().getRefusedStart()).isNull();
  }

  @Test
  void aFixedTemplateRedrivesTheDeadLetterOnceWithRedrivePolicyOnTemplateChange() {
    DeadLetterTask task = task("fixed").exitCodes("3").maxAttempts(1).build();
    RedrivePolicy redrive = new RedrivePolicy();
    redrive.setOnTemplateChange(true);
    task.getSpec().setRedrivePolicy(redrive);
    client.resource(task).inNamespace(ns).create();
    awaitTask("fixed", t -> phase(t) == TaskPhase.DeadLettered);

    // The fix lands as a template edit (in a GitOps repository: a new image tag).
    taskResource("fixed")
        .edit(
            t -> {
              t.getSpec()
                  .getJobTemplate()
                  .getSpec()
                  .getTemplate()
                  .getMetadata()
                  .getAnnotations()
                  .put("sim.deadletter.dev/exit-codes", "0");
              return t;
            });

    DeadLetterTask done = awaitTask("fixed", t -> phase(t) == TaskPhase.Succeeded);
    assertThat(done.getStatus().getAttempts()).isEqualTo(2);
    assertThat(done.getStatus().getRound().getNumber()).isEqualTo(2);
    assertThat(done.getStatus().getLastRedrive().getTrigger())
        .isEqualTo(RedriveRecord.Trigger.TemplateChanged);
  }

  private static void assertNoNewAttemptFor(String task, int attempts, Duration quiet) {
    await()
        .during(quiet)
        .atMost(quiet.plusSeconds(5))
        .until(
            () ->
                client
                            .batch()
                            .v1()
                            .jobs()
                            .inNamespace(ns)
                            .withName(task + "-" + (attempts + 1))
                            .get()
                        == null
                    && taskResource(task).get().getStatus().getAttempts() == attempts);
  }

  private static DeadLetterTask suspend(DeadLetterTask t, boolean value) {
    t.getSpec().setSuspend(value);
    return t;
  }

  private static DeadLetterTask redrive(DeadLetterTask t, String token) {
    Map<String, String> annotations = new HashMap<>();
    if (t.getMetadata().getAnnotations() != null) {
      annotations.putAll(t.getMetadata().getAnnotations());
    }
    annotations.put(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, token);
    t.getMetadata().setAnnotations(annotations);
    return t;
  }

  private static Resource<DeadLetterTask> taskResource(String name) {
    return client.resources(DeadLetterTask.class).inNamespace(ns).withName(name);
  }

  private static TaskPhase phase(DeadLetterTask t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private static Condition condition(DeadLetterTask t, String type) {
    return t.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static DeadLetterTask awaitTask(String name, Predicate<DeadLetterTask> condition) {
    return namespace.awaitTask(name, condition);
  }
}
