package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator in-process against the full local cluster: the real Job controller, KWOK pods whose
 * exit codes the tasks choose per attempt (sim.deadletter.dev/exit-codes).
 */
class RetryLifecycleE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-retry");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void succeedsFirstTime() {
    create(task("first-time").exitCodes("0").build());

    DeadLetterTask done = awaitPhase("first-time", TaskPhase.Succeeded);

    assertThat(done.getStatus().getAttempts()).isEqualTo(1);
    assertThat(condition(done, "Ready")).isEqualTo("True");
    assertThat(condition(done, "Reconciling")).isEqualTo("False");
    assertThat(job("first-time-1").getStatus().getSucceeded()).isEqualTo(1);
  }

  @Test
  void failsTwiceThenSucceeds() {
    create(task("twice").exitCodes("3,3,0").maxAttempts(3).initialDelay("2s").build());

    DeadLetterTask done = awaitPhase("twice", TaskPhase.Succeeded);

    List<AttemptRecord> history = done.getStatus().getHistory();
    assertThat(history)
        .extracting(AttemptRecord::getOutcome)
        .containsExactly(Outcome.Failed, Outcome.Failed, Outcome.Succeeded);
    assertThat(history.get(0).getExitCode()).isEqualTo(3);
    assertThat(history.get(0).getReason()).isEqualTo("Error");
    assertThat(history.get(0).getNode()).startsWith("kwok-node-");
    // The backoff is respected: attempt 2 starts no earlier than 2s after attempt 1 failed.
    Instant failed = Instant.parse(history.get(0).getFinishTime());
    Instant secondStarted = Instant.parse(history.get(1).getStartTime());
    assertThat(Duration.between(failed, secondStarted))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(env(job("twice-3")))
        .containsEntry(AttemptJobFactory.ENV_ATTEMPT, "3")
        .containsEntry(AttemptJobFactory.ENV_MAX_ATTEMPTS, "3")
        .containsEntry(AttemptJobFactory.ENV_PREVIOUS_EXIT_CODE, "3")
        .containsEntry(AttemptJobFactory.ENV_PREVIOUS_REASON, "Error")
        .containsEntry(AttemptJobFactory.ENV_TASK_UID, done.getMetadata().getUid());
    awaitEvents("twice", "AttemptFailed", "Succeeded");
    assertThat(eventsOf("twice"))
        .as("one Event per attempt: each failure says when the retry starts, then the recovery")
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder("AttemptFailed", "AttemptFailed", "Succeeded");
    assertThat(eventsOf("twice"))
        .filteredOn(e -> "AttemptFailed".equals(e.getReason()))
        .extracting(Event::getNote)
        .anySatisfy(note -> assertThat(note).containsPattern("; attempt 2 starts (at|now)"))
        .anySatisfy(note -> assertThat(note).containsPattern("; attempt 3 starts (at|now)"));
  }

  @Test
  void exitCodeRuleDeadLettersAtOnce() {
    create(task("fail-fast").exitCodes("42").maxAttempts(5).deadLetterOnExitCodes(42).build());

    DeadLetterTask dead = awaitPhase("fail-fast", TaskPhase.DeadLettered);

    assertThat(dead.getStatus().getAttempts()).isEqualTo(1);
    AttemptRecord only = dead.getStatus().getHistory().get(0);
    assertThat(only.getAction()).isEqualTo(RetryAction.DeadLetter);
    assertThat(only.getMatchedRule()).isZero();
    assertThat(condition(dead, "Stalled")).isEqualTo("True");
    assertThat(condition(dead, "DeadLettered")).isEqualTo("True");
    assertThat(condition(dead, "Ready")).isEqualTo("False");
  }

  @Test
  void exhaustedTaskIsRedrivenByAnnotation() {
    create(task("redrive").exitCodes("3,3,0").maxAttempts(2).build());
    DeadLetterTask dead = awaitPhase("redrive", TaskPhase.DeadLettered);
    assertThat(dead.getStatus().getAttempts()).isEqualTo(2);
    assertThat(dead.getStatus().getMessage()).contains("all 2 attempts failed");

    taskResource("redrive")
        .edit(
            t -> {
              t.getMetadata()
                  .setAnnotations(
                      Map.of(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, "fixed-at-noon"));
              return t;
            });

    DeadLetterTask redriven = awaitPhase("redrive", TaskPhase.Succeeded);
    assertThat(redriven.getStatus().getAttempts()).isEqualTo(3);
    assertThat(redriven.getStatus().getLastHandledRetryRequest()).isEqualTo("fixed-at-noon");
    awaitEvents("redrive", "DeadLettered", "RetryRequested");
  }

  @Test
  void suspendedTaskStartsNothingUntilResumed() {
    create(task("suspended").exitCodes("0").suspended(true).build());
    awaitPhase("suspended", TaskPhase.Suspended);
    // Long enough for a wrongly started attempt Job to show up: none may, at any moment.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> jobNames().stream().noneMatch(n -> n.startsWith("suspended-")));

    taskResource("suspended")
        .edit(
            t -> {
              t.getSpec().setSuspend(false);
              return t;
            });

    assertThat(awaitPhase("suspended", TaskPhase.Succeeded).getStatus().getAttempts()).isEqualTo(1);
  }

  @Test
  void deletedAttemptJobCountsAsFailedAttempt() {
    create(task("deleted").podAnnotation("sim.deadletter.dev/hang", "true").maxAttempts(2).build());
    awaitTask("deleted", t -> "deleted-1".equals(t.getStatus().getActiveJob()));
    client.batch().v1().jobs().inNamespace(ns).withName("deleted-1").delete();

    awaitTask("deleted", t -> "deleted-2".equals(t.getStatus().getActiveJob()));
    client.batch().v1().jobs().inNamespace(ns).withName("deleted-2").delete();

    DeadLetterTask dead = awaitPhase("deleted", TaskPhase.DeadLettered);
    assertThat(dead.getStatus().getHistory())
        .extracting(AttemptRecord::getReason)
        .containsExactly("JobDeleted", "JobDeleted");
  }

  @Test
  void historyLimitsDeleteOnlyRecordedOldJobs() {
    create(task("history").exitCodes("1,1,1,0").maxAttempts(4).keep(1, 1).build());

    DeadLetterTask done = awaitPhase("history", TaskPhase.Succeeded);

    assertThat(done.getStatus().getHistory()).hasSize(4);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(jobNames())
                    .filteredOn(n -> n.startsWith("history-"))
                    .containsExactlyInAnyOrder("history-3", "history-4"));
  }

  @Test
  void deletingTheTaskDeletesItsJobs() {
    create(task("cascade").exitCodes("0").build());
    awaitPhase("cascade", TaskPhase.Succeeded);
    assertThat(jobNames()).contains("cascade-1");

    taskResource("cascade").delete();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(jobNames()).doesNotContain("cascade-1"));
  }

  private static void create(DeadLetterTask task) {
    client.resource(task).inNamespace(ns).create();
  }

  private static Resource<DeadLetterTask> taskResource(String name) {
    return client.resources(DeadLetterTask.class).inNamespace(ns).withName(name);
  }

  private static DeadLetterTask awaitPhase(String name, TaskPhase phase) {
    return awaitTask(name, t -> t.getStatus().getPhase() == phase);
  }

  private static DeadLetterTask awaitTask(String name, Predicate<DeadLetterTask> condition) {
    return namespace.awaitTask(name, condition);
  }

  private static Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  private static List<String> jobNames() {
    return client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
        .map(j -> j.getMetadata().getName())
        .toList();
  }

  private static Map<String, String> env(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
  }

  private static String condition(DeadLetterTask task, String type) {
    return task.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getStatus())
        .findFirst()
        .orElse(null);
  }

  /** Fails unless the task gets Events with all these reasons (Events follow status writes). */
  private static void awaitEvents(String taskName, String... expected) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> eventsOf(taskName).stream().map(Event::getReason).toList(),
            l -> l.containsAll(List.of(expected)));
  }

  private static List<Event> eventsOf(String taskName) {
    return client.events().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> taskName.equals(e.getRegarding().getName()))
        .toList();
  }
}
