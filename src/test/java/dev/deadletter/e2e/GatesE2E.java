package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.api.v1alpha1.RetryGate.GateCondition;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.RetryDecider;
import dev.deadletter.policy.TaskConditions;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * retryPolicy.gates on the full local cluster: a retry waits for a real Deployment, which the real
 * Deployment controller makes Available once its KWOK pod runs.
 */
class GatesE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-gates");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  private static RetryGate available(String deployment) {
    return new RetryGate("apps/v1", "Deployment", deployment, new GateCondition("Available"));
  }

  @Test
  void aRetryWaitsForItsDependencyAndStartsWhenItIsAvailable() {
    create(task("report").exitCodes("1,0").gates(available("db")).build());

    DeadLetterTask waiting =
        namespace.awaitTask(
            "report", t -> RetryDecider.WAITING_FOR_GATE.equals(reconcilingReason(t)));
    assertThat(waiting.getStatus().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(waiting.getStatus().getAttempts()).isEqualTo(1);
    assertThat(waiting.getStatus().getMessage())
        .endsWith("attempt 2 waits for Deployment/db Available=True: not found");

    client.resource(deployment("db")).create();

    DeadLetterTask done =
        namespace.awaitTask("report", t -> t.getStatus().getPhase() == TaskPhase.Succeeded);
    assertThat(done.getStatus().getAttempts()).isEqualTo(2);
    assertThat(client.batch().v1().jobs().inNamespace(ns).withName("report-2").get()).isNotNull();
    assertThat(events("report")).extracting(Event::getReason).containsOnlyOnce("WaitingForGate");
  }

  @Test
  void aGateClosedLongerThanItsMaxWaitDeadLettersTheTask() {
    create(task("impatient").exitCodes("1").gates(available("never").withMaxWait("3s")).build());

    DeadLetterTask dead =
        namespace.awaitTask("impatient", t -> t.getStatus().getPhase() == TaskPhase.DeadLettered);

    assertThat(dead.getStatus().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.GateTimeout);
    assertThat(dead.getStatus().getAttempts()).as("the wait spent no attempt").isEqualTo(1);
  }

  @Test
  void aGateOnAKindTheOperatorDoesNotWatchStallsTheTaskWithAMessage() {
    RetryGate configMap = new RetryGate("v1", "ConfigMap", "settings", new GateCondition("Ready"));
    create(task("odd-gate").exitCodes("1,0").gates(configMap).build());

    DeadLetterTask stalled =
        namespace.awaitTask("odd-gate", t -> "True".equals(condition(t, TaskConditions.STALLED)));

    assertThat(stalled.getStatus().getAttempts()).isZero();
    assertThat(stalled.getStatus().getMessage())
        .startsWith("retryPolicy.gates: v1/ConfigMap is not a kind the operator watches for gates")
        .contains("apps/v1/Deployment");
  }

  private static void create(DeadLetterTask task) {
    client.resource(task).inNamespace(ns).create();
  }

  private static Deployment deployment(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .addToAnnotations("sim.deadletter.dev/hang", "true") // KWOK keeps the pod running
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("db")
        .withImage("postgres:17")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static String reconcilingReason(DeadLetterTask task) {
    return conditionOf(task, TaskConditions.RECONCILING).map(Condition::getReason).orElse(null);
  }

  private static String condition(DeadLetterTask task, String type) {
    return conditionOf(task, type).map(Condition::getStatus).orElse(null);
  }

  private static java.util.Optional<Condition> conditionOf(DeadLetterTask task, String type) {
    List<Condition> conditions = task.getStatus().getConditions();
    return conditions == null
        ? java.util.Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static List<Event> events(String task) {
    return client.events().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> e.getRegarding() != null && task.equals(e.getRegarding().getName()))
        .toList();
  }
}
