package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveSpec;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RedriveRecord;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DeadLetterRedrive on the local cluster, with the operator as a process: a bulk redrive of 200
 * dead-lettered tasks at 10 a second survives a SIGKILL of the operator half-way without redriving
 * any task twice; a dry run only counts; deleting a redrive stops it.
 */
class BulkRedriveE2E {

  static final int TASKS = 200;
  static final String RETRY = DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION;

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-redrive");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void redrivesEachSelectedTaskOnceAcrossAnOperatorKill() throws Exception {
    try (OperatorProcess first = operator("redrive-1")) {
      createDeadLetteringTasks("outage", TASKS);
      createDeadLetteringTasks("other", 5);
      awaitTasks("outage", TASKS, t -> phase(t) == TaskPhase.DeadLettered, Duration.ofSeconds(120));
      awaitTasks("other", 5, t -> phase(t) == TaskPhase.DeadLettered, Duration.ofSeconds(30));

      DeadLetterRedrive dryRun = create(redrive("dry-run", "outage", 10.0, true));
      DeadLetterRedriveStatus counted = awaitComplete(dryRun, Duration.ofSeconds(20));
      assertThat(counts(counted)).containsExactly(TASKS, 0, TASKS);
      assertThat(counted.condition(DeadLetterRedriveStatus.COMPLETE).getReason())
          .isEqualTo("DryRun");
      assertThat(tasks("outage")).noneMatch(t -> annotation(t) != null);

      DeadLetterRedrive redrive = create(redrive("after-outage", "outage", 10.0, false));
      String token = "redrive-" + redrive.getMetadata().getUid();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> tokened(token) >= 60);
      first.kill();
      int beforeKill = tokened(token);
      assertThat(beforeKill).as("killed half-way").isBetween(60, TASKS - 40);

      try (OperatorProcess second = operator("redrive-2")) {
        DeadLetterRedriveStatus done = awaitComplete(redrive, Duration.ofSeconds(60));
        assertThat(counts(done)).containsExactly(TASKS, TASKS, 0);
        assertThat((int) metric(second.get("/metrics"), "deadletter_redrive_tasks_total"))
            .as("the restarted operator annotated exactly the tasks the first had not")
            .isEqualTo(TASKS - beforeKill);

        // Each redriven task ran one new attempt, failed it, and was dead-lettered again: the same
        // redrive never picks it up a second time.
        awaitTasks(
            "outage",
            TASKS,
            t -> phase(t) == TaskPhase.DeadLettered && t.getStatus().getAttempts() == 2,
            Duration.ofSeconds(120));
        // A second redrive by the same resource would start a third attempt within these seconds.
        await()
            .during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> tasks("outage"),
                l -> l.stream().allMatch(t -> t.getStatus().getAttempts() == 2));
        List<DeadLetterTask> outage = tasks("outage");
        assertThat(outage)
            .allSatisfy(
                t -> {
                  assertThat(annotation(t)).isEqualTo(token);
                  assertThat(t.getStatus().getLastHandledRetryRequest()).isEqualTo(token);
                  assertThat(t.getStatus().getLastRedrive().getTrigger())
                      .isEqualTo(RedriveRecord.Trigger.Annotation);
                  assertThat(t.getStatus().getAttempts()).isEqualTo(2);
                });
        assertThat(jobsPerTask("outage"))
            .as("exactly two attempt Jobs per task: the first and the one redrive")
            .allSatisfy((task, jobs) -> assertThat(jobs).containsExactlyInAnyOrder(1, 2));
        assertThat(tasks("other"))
            .as("outside the selector")
            .allSatisfy(t -> assertThat(annotation(t)).isNull());

        // At most 10 a second: 200 tasks take at least 19 s from the first annotation to the last.
        List<Instant> redrivenAt =
            outage.stream()
                .map(t -> Instant.parse(t.getStatus().getLastRedrive().getAt()))
                .sorted()
                .toList();
        assertThat(Duration.between(redrivenAt.get(0), redrivenAt.get(TASKS - 1)))
            .isGreaterThanOrEqualTo(Duration.ofSeconds(17));
        assertThat(eventReasons("after-outage"))
            .containsOnlyOnce("RedriveStarted")
            .containsOnlyOnce("RedriveComplete");
        assertThat(
                client
                    .resources(DeadLetterRedrive.class)
                    .inNamespace(ns)
                    .withName("after-outage")
                    .get()
                    .getStatus())
            .as("a complete redrive stays as it ended")
            .isEqualTo(done);
      }
    }
  }

  @Test
  void deletingARedriveStopsIt() throws Exception {
    try (OperatorProcess operator = operator("redrive-delete")) {
      createDeadLetteringTasks("slow", 20);
      awaitTasks("slow", 20, t -> phase(t) == TaskPhase.DeadLettered, Duration.ofSeconds(60));
      DeadLetterRedrive redrive = create(redrive("slowly", "slow", 1.0, false));
      String token = "redrive-" + redrive.getMetadata().getUid();
      await().atMost(Duration.ofSeconds(30)).until(() -> tokened(token) >= 2);

      client.resource(redrive).delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.resource(redrive).get() == null);
      int atDeletion = tokened(token);
      // At 1/s a running redrive would annotate about four more in these seconds; one pass may have
      // been under way when the deletion arrived.
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(10))
          .until(() -> tokened(token) <= atDeletion + 1);
      assertThat(tokened(token)).isLessThan(20);
    }
  }

  // --- fixtures ---

  static OperatorProcess operator(String name) throws Exception {
    return OperatorProcess.startReady(name, Map.of("WATCH_NAMESPACES", ns));
  }

  /** Tasks labelled batch=BATCH whose one attempt exits 1: dead-lettered after it. */
  static void createDeadLetteringTasks(String batch, int n) {
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              DeadLetterTask t = task(batch + "-" + i).exitCodes("1").maxAttempts(1).build();
              t.getMetadata().setLabels(Map.of("batch", batch));
              client.resource(t).inNamespace(ns).create();
            });
  }

  static DeadLetterRedrive redrive(String name, String batch, double rate, boolean dryRun) {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("batch", batch).build());
    spec.setRatePerSecond(rate);
    spec.setDryRun(dryRun);
    DeadLetterRedrive redrive = new DeadLetterRedrive();
    redrive.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    redrive.setSpec(spec);
    return redrive;
  }

  static DeadLetterRedrive create(DeadLetterRedrive redrive) {
    return client.resource(redrive).create();
  }

  static DeadLetterRedriveStatus awaitComplete(DeadLetterRedrive redrive, Duration timeout) {
    return await()
        .atMost(timeout)
        .until(
            () -> client.resource(redrive).get().getStatus(),
            s -> s != null && s.isTrue(DeadLetterRedriveStatus.COMPLETE));
  }

  static List<DeadLetterTask> tasks(String batch) {
    return client
        .resources(DeadLetterTask.class)
        .inNamespace(ns)
        .withLabel("batch", batch)
        .list()
        .getItems();
  }

  static void awaitTasks(
      String batch, int n, Predicate<DeadLetterTask> condition, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> tasks(batch).stream().filter(condition).count() == n);
  }

  static int tokened(String token) {
    return (int)
        client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems().stream()
            .filter(t -> token.equals(annotation(t)))
            .count();
  }

  /** Attempt numbers of the Jobs of each task of the batch, from the Jobs themselves. */
  static Map<String, List<Integer>> jobsPerTask(String batch) {
    Pattern name = Pattern.compile("^(" + batch + "-\\d+)-(\\d+)$");
    return client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .map(Job::getMetadata)
        .map(m -> name.matcher(m.getName()))
        .filter(Matcher::matches)
        .collect(
            Collectors.groupingBy(
                m -> m.group(1),
                Collectors.mapping(m -> Integer.parseInt(m.group(2)), Collectors.toList())));
  }

  static List<String> eventReasons(String redrive) {
    return client.events().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "DeadLetterRedrive".equals(e.getRegarding().getKind()))
        .filter(e -> redrive.equals(e.getRegarding().getName()))
        .map(e -> e.getReason())
        .toList();
  }

  static String annotation(DeadLetterTask t) {
    return t.getMetadata().getAnnotations() == null
        ? null
        : t.getMetadata().getAnnotations().get(RETRY);
  }

  static TaskPhase phase(DeadLetterTask t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  static List<Integer> counts(DeadLetterRedriveStatus s) {
    return List.of(s.getMatched(), s.getRedriven(), s.getRemaining());
  }

  static double metric(String metrics, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(m.find()).as("series %s in /metrics", series).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
