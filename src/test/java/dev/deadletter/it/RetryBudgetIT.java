package dev.deadletter.it;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetSpec;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A RetryBudget edited or deleted while it holds a task's retry back wakes the task at once, not at
 * its next look (here ten minutes away: the window's oldest retry leaving it). The test plays the
 * Job controller, as in {@link ReconcilerIT}.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class RetryBudgetIT {

  /** Far beyond the wait for a Job below, and as long as the task's own periodic resync. */
  private static final String WINDOW = "10m";

  private static final Duration PROMPTLY = Duration.ofSeconds(20);

  static KubernetesClient client;

  @RegisterExtension final LocalNamespace namespace = LocalNamespace.of("it").on(() -> client);

  String ns;

  @BeforeEach
  void bind() {
    ns = namespace.name();
  }

  @Test
  void deletingTheBudgetStartsTheRetryItHeld() {
    holdTheThirdAttempt("freed");

    client.resources(RetryBudget.class).inNamespace(ns).withName("db").delete();

    awaitJob("freed-3", PROMPTLY);
  }

  @Test
  void raisingTheBudgetsFloorStartsTheRetryItHeld() {
    holdTheThirdAttempt("raised");

    editBudget(spec -> spec.setMinRetriesPerMinute(1)); // 10 per 10m

    awaitJob("raised-3", PROMPTLY);
  }

  @Test
  void raisingTheBudgetsPercentStartsTheRetryItHeld() {
    holdTheThirdAttempt("percent");

    editBudget(spec -> spec.setPercent(200)); // 2 per first attempt

    awaitJob("percent-3", PROMPTLY);
  }

  /**
   * One retry per first attempt in 10 minutes: attempt 1 fails, its retry (attempt 2) spends the
   * token and fails, and attempt 3 waits for the budget until attempt 2 leaves the window.
   */
  private void holdTheThirdAttempt(String name) {
    client.resource(budget()).inNamespace(ns).create();
    namespace.startOperator();
    client.resource(task(name).maxAttempts(3).build()).inNamespace(ns).create();

    fail(awaitJob(name + "-1", Duration.ofSeconds(30)));
    fail(awaitJob(name + "-2", Duration.ofSeconds(30)));

    DeadLetterTask held =
        namespace.awaitTask(
            name,
            t ->
                t.getStatus().getMessage() != null
                    && t.getStatus().getMessage().contains("attempt 3 waits for RetryBudget db"));
    assertThat(Instant.parse(held.getStatus().getNextAttemptAt()))
        .as("without a wake-up, the task would look again when attempt 2 leaves the window")
        .isAfter(Instant.now().plus(Duration.ofMinutes(9)));
    assertThat(job(name + "-3")).isNull();
  }

  private static RetryBudget budget() {
    RetryBudget budget = new RetryBudget();
    budget.getMetadata().setName("db");
    RetryBudgetSpec spec = new RetryBudgetSpec();
    spec.setWindow(WINDOW);
    spec.setPercent(100);
    spec.setMinRetriesPerMinute(0);
    budget.setSpec(spec);
    return budget;
  }

  private void editBudget(Consumer<RetryBudgetSpec> edit) {
    client
        .resources(RetryBudget.class)
        .inNamespace(ns)
        .withName("db")
        .edit(
            b -> {
              edit.accept(b.getSpec());
              return b;
            });
  }

  /** The attempt's pod exits with 1 and its Job fails, now. */
  private void fail(Job job) {
    Attempts.pod(job.getMetadata().getName() + "-pod")
        .namespace(ns)
        .labels(job.getSpec().getTemplate().getMetadata().getLabels())
        .ownedBy(job)
        .node("node-a")
        .exited(1, "Error", "the database is down")
        .create(client);
    Attempts.fail(client, job, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
  }

  private Job awaitJob(String name, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> job(name), j -> j != null);
  }

  private Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }
}
