package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.capture.CapturedTask;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Capture of failed Jobs into the dead-letter store, and the kubectl plugin that operates it. */
class DeadLetterStoreE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-store");

  /** A namespace labelled for capture, where every failed Job is captured, with its operator. */
  @RegisterExtension
  static final LocalNamespace labelledNamespace =
      LocalNamespace.withOperator("e2e-capture-ns")
          .label(CapturedTask.CAPTURE_LABEL, "true")
          .setting("CAPTURE_LABELLED_NAMESPACES", "true");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void labelledFailedJobBecomesOneTaskWithThePolicyOfItsAnnotation() {
    Job job =
        client
            .resource(
                failingJob(
                    "import-7",
                    true,
                    Map.of(
                        CapturedTask.RETRY_POLICY_ANNOTATION,
                        "{maxAttempts: 2, backoff: {initialDelay: 1s}}")))
            .create();

    DeadLetterTask task = awaitCaptured(job);

    assertThat(tasksCapturedFrom("import-7")).hasSize(1);
    assertThat(task.getSpec().getRetryPolicy().getMaxAttempts()).isEqualTo(2);
    assertThat(task.getSpec().getSource().getUid()).isEqualTo(job.getMetadata().getUid());
    assertThat(task.getSpec().getSource().getExitCode()).isEqualTo(3);
    DeadLetterTask done = awaitPhase(task.getMetadata().getName(), TaskPhase.Succeeded);
    List<AttemptRecord> history = done.getStatus().getHistory();
    assertThat(history).extracting(AttemptRecord::getAttempt).containsExactly(0, 1, 2);
    assertThat(history.get(0).getJob()).isEqualTo("import-7");
    assertThat(history.get(0).getExitCode()).isEqualTo(3);
    assertThat(history.get(2).getOutcome()).isEqualTo(AttemptRecord.Outcome.Succeeded);
    Job original = client.batch().v1().jobs().inNamespace(ns).withName("import-7").get();
    assertThat(original.getMetadata().getAnnotations())
        .containsEntry(CapturedTask.CAPTURED_AS_ANNOTATION, task.getMetadata().getName());
  }

  @Test
  void unlabelledFailedJobIsIgnored() {
    Job job = client.resource(failingJob("not-opted-in", false, Map.of())).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> failed(job.getMetadata().getName()));
    // Long enough for a wrong capture to appear: none may, at any moment.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> tasksCapturedFrom("not-opted-in").isEmpty());
  }

  @Test
  void failedRunOfACronJobIsCapturedWithTheCronJobAsSource() {
    CronJob cron =
        client
            .resource(
                new CronJobBuilder()
                    .withNewMetadata()
                    .withName("nightly")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withSchedule("0 3 * * *")
                    .withNewJobTemplate()
                    .withNewMetadata()
                    .withLabels(Map.of(CapturedTask.CAPTURE_LABEL, "true"))
                    .endMetadata()
                    .withSpec(failingJob("unused", true, Map.of()).getSpec())
                    .endJobTemplate()
                    .endSpec()
                    .build())
            .create();
    // A run as `kubectl create job --from=cronjob/nightly` makes it: the CronJob's template, owned
    // by it.
    Job run =
        client
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("nightly-manual")
                    .withNamespace(ns)
                    .withLabels(cron.getSpec().getJobTemplate().getMetadata().getLabels())
                    .addNewOwnerReference()
                    .withApiVersion("batch/v1")
                    .withKind("CronJob")
                    .withName("nightly")
                    .withUid(cron.getMetadata().getUid())
                    .withController(true)
                    .endOwnerReference()
                    .endMetadata()
                    .withSpec(cron.getSpec().getJobTemplate().getSpec())
                    .build())
            .create();

    DeadLetterTask task = awaitCaptured(run);

    assertThat(task.getSpec().getSource().getOwnerKind()).isEqualTo("CronJob");
    assertThat(task.getSpec().getSource().getOwnerName()).isEqualTo("nightly");
  }

  @Test
  void invalidRetryPolicyAnnotationIsReportedOnTheJobAndTheDefaultApplies() {
    Job job =
        client
            .resource(
                failingJob(
                    "bad-policy",
                    true,
                    Map.of(CapturedTask.RETRY_POLICY_ANNOTATION, "{maxAttempts: 0}")))
            .create();

    DeadLetterTask task = awaitCaptured(job);

    // The task names no policy of its own: the API server fills in the schema's defaults.
    assertThat(task.getSpec().getRetryPolicy().getMaxAttempts())
        .isEqualTo(EffectivePolicy.DEFAULT_MAX_ATTEMPTS);
    assertThat(task.getSpec().getRetryPolicy().getRules()).isNull();
    // The Captured event follows the task's creation: wait for it rather than race it.
    List<Event> events =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    client.events().v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> "bad-policy".equals(e.getRegarding().getName()))
                        .toList(),
                l -> l.stream().anyMatch(e -> "Captured".equals(e.getReason())));
    assertThat(events).extracting(Event::getReason).contains("InvalidRetryPolicy", "Captured");
    assertThat(events)
        .filteredOn(e -> "InvalidRetryPolicy".equals(e.getReason()))
        .allSatisfy(e -> assertThat(e.getNote()).contains("maxAttempts"));
  }

  @Test
  void pluginCapturesRetriesSuspendsAndShowsHistory() throws Exception {
    client.resource(failingJob("by-hand", false, Map.of())).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> failed("by-hand"));

    String captured = plugin("capture", "job/by-hand", "-n", ns);
    assertThat(captured).contains("created from job/by-hand");
    String name = tasksCapturedFrom("by-hand").get(0).getMetadata().getName();

    plugin("suspend", name, "-n", ns);
    assertThat(awaitTask(name).getSpec().getSuspend()).isTrue();
    plugin("resume", name, "-n", ns);
    assertThat(awaitTask(name).getSpec().getSuspend()).isFalse();

    client
        .resource(task("plugin-dead").exitCodes("1,0").maxAttempts(1).build())
        .inNamespace(ns)
        .create();
    awaitPhase("plugin-dead", TaskPhase.DeadLettered);
    plugin("retry", "plugin-dead", "-n", ns);
    awaitPhase("plugin-dead", TaskPhase.Succeeded);

    String history = plugin("history", "plugin-dead", "-n", ns);
    assertThat(history.lines().findFirst().orElseThrow())
        .startsWith("ATTEMPT")
        .contains("EXIT", "REASON");
    assertThat(history)
        .contains("plugin-dead-1", "plugin-dead-2", "Failed", "Succeeded", "Succeeded: attempt 2");
  }

  @Test
  void pluginRedrivesMatchingTasksInBulkAtTheRequestedRate() throws Exception {
    IntStream.rangeClosed(1, 20)
        .forEach(
            i -> {
              DeadLetterTask t = task("bulk-" + i).exitCodes("1,0").maxAttempts(1).build();
              t.getMetadata().setLabels(Map.of("batch", "nightly"));
              client.resource(t).inNamespace(ns).create();
            });
    awaitBatch(TaskPhase.DeadLettered);

    long start = System.nanoTime();
    String out =
        plugin(
            "retry",
            "--all",
            "-l",
            "batch=nightly",
            "--rate",
            "5",
            "--wait",
            "--timeout",
            "2m",
            "-n",
            ns);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    // The plugin creates a DeadLetterRedrive and follows it; the operator redrives at the rate.
    assertThat(out).contains("deadletterredrive.deadletter.dev/retry-all-", ": Complete: ");
    DeadLetterRedrive redrive =
        client.resources(DeadLetterRedrive.class).inNamespace(ns).list().getItems().stream()
            .filter(r -> r.getMetadata().getName().startsWith("retry-all-"))
            .findFirst()
            .orElseThrow();
    assertThat(redrive.getSpec().getRatePerSecond()).isEqualTo(5.0);
    assertThat(redrive.getStatus().getRedriven()).isEqualTo(20);
    assertThat(took)
        .as("20 tasks at 5/s: at least 3 passes after the first")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    awaitBatch(TaskPhase.Succeeded);
  }

  @Test
  void everyFailedJobOfALabelledNamespaceIsCapturedUnlessItOptsOut() {
    String labelled = labelledNamespace.name();
    Job plain = failingJob("plain", false, Map.of());
    plain.getMetadata().setNamespace(labelled);
    Job optedOut = failingJob("opted-out", false, Map.of());
    optedOut.getMetadata().setNamespace(labelled);
    optedOut.getMetadata().setLabels(Map.of(CapturedTask.CAPTURE_LABEL, "false"));
    client.resource(optedOut).create();
    String name = CapturedTask.taskName(client.resource(plain).create());

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(labelled).withName(name).get(),
            t -> t != null);
    await().atMost(Duration.ofSeconds(60)).until(() -> failedIn(labelled, "opted-out"));
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                client
                    .resources(DeadLetterTask.class)
                    .inNamespace(labelled)
                    .withLabel(CapturedTask.CAPTURED_FROM_LABEL, "opted-out")
                    .list()
                    .getItems()
                    .isEmpty());
  }

  /** Waits until all 20 tasks labelled batch=nightly are in this phase. */
  private static void awaitBatch(TaskPhase phase) {
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                client
                    .resources(DeadLetterTask.class)
                    .inNamespace(ns)
                    .withLabel("batch", "nightly")
                    .list()
                    .getItems(),
            l ->
                l.size() == 20
                    && l.stream()
                        .allMatch(t -> t.getStatus() != null && t.getStatus().getPhase() == phase));
  }

  /**
   * A Job labelled for capture or not, whose pod exits 3 on its first run and 0 in later attempts.
   */
  private static Job failingJob(String name, boolean capture, Map<String, String> annotations) {
    return Attempts.job(name)
        .namespace(ns)
        .labels(capture ? Map.of(CapturedTask.CAPTURE_LABEL, "true") : Map.of())
        .annotations(annotations)
        .backoffLimit(0)
        .podAnnotation("sim.deadletter.dev/exit-codes", "3,0")
        .podAnnotation("sim.deadletter.dev/duration", "300ms")
        .build();
  }

  private static boolean failed(String job) {
    return failedIn(ns, job);
  }

  private static boolean failedIn(String namespace, String job) {
    Job j = client.batch().v1().jobs().inNamespace(namespace).withName(job).get();
    return j != null
        && j.getStatus() != null
        && j.getStatus().getConditions() != null
        && j.getStatus().getConditions().stream().anyMatch(c -> "Failed".equals(c.getType()));
  }

  private static DeadLetterTask awaitCaptured(Job job) {
    String name = CapturedTask.taskName(job);
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(ns).withName(name).get(),
            t -> t != null);
  }

  private static List<DeadLetterTask> tasksCapturedFrom(String job) {
    return client
        .resources(DeadLetterTask.class)
        .inNamespace(ns)
        .withLabel(CapturedTask.CAPTURED_FROM_LABEL, job)
        .list()
        .getItems();
  }

  private static DeadLetterTask awaitTask(String name) {
    return client.resources(DeadLetterTask.class).inNamespace(ns).withName(name).get();
  }

  private static DeadLetterTask awaitPhase(String name, TaskPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(ns).withName(name).get(),
            t -> t != null && t.getStatus() != null && t.getStatus().getPhase() == phase);
  }

  /** Runs plugin/kubectl-deadletter through kubectl, as a user would; fails on a non-zero exit. */
  private static String plugin(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("kubectl", "deadletter"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder
        .environment()
        .put("PATH", Path.of("plugin").toAbsolutePath() + ":" + System.getenv("PATH"));
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue())
        .as("kubectl deadletter %s:%n%s", String.join(" ", args), out)
        .isZero();
    return out;
  }
}
