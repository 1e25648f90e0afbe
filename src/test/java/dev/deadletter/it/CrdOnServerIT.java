package dev.deadletter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.TaskConditions;
import dev.deadletter.policy.TaskEvent;
import dev.deadletter.policy.Tasks;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What kubectl users get from the CRD, on a real API server (kube-api-test, no operator): schema
 * defaults, the selectable phase, the printer columns, the category, conditions that the operator's
 * status writes satisfy, and Events with an action and a related Job.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class CrdOnServerIT {

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.of("it-crd").on(() -> client);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theApiServerFillsInTheDefaultsTheOperatorAssumes() {
    DeadLetterTask given = task("defaults");
    DeadLetterTask stored = client.resource(given).create();

    JsonNode spec = JSON.valueToTree(stored.getSpec());
    assertThat(spec.at("/retryPolicy/maxAttempts").asInt()).isEqualTo(3);
    assertThat(spec.at("/retryPolicy/backoff/initialDelay").asText()).isEqualTo("10s");
    assertThat(spec.at("/retryPolicy/backoff/multiplier").asDouble()).isEqualTo(2.0);
    assertThat(spec.at("/retryPolicy/backoff/jitter").asDouble()).isEqualTo(0.2);
    assertThat(stored.getSpec().getRetryPolicy().getBackoff().getMaxDelay())
        .as("no default: initialDelay alone may be longer than 10m and is then the cap")
        .isNull();
    assertThat(spec.at("/historyLimits/succeeded").asInt()).isEqualTo(1);
    assertThat(spec.at("/historyLimits/failed").asInt()).isEqualTo(3);
    assertThat(spec.at("/suspend").asBoolean(true)).isFalse();
    assertThat(EffectivePolicy.of(stored.getSpec()))
        .usingRecursiveComparison()
        .isEqualTo(EffectivePolicy.of(given.getSpec()));
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1);
  }

  @Test
  void phaseIsSelectableWithAFieldSelector() {
    withStatus(client.resource(task("dead")).create(), TaskPhase.DeadLettered);
    withStatus(client.resource(task("alive")).create(), TaskPhase.Running);

    List<DeadLetterTask> deadLettered =
        client
            .resources(DeadLetterTask.class)
            .inNamespace(namespace.name())
            .withField("status.phase", "DeadLettered")
            .list()
            .getItems();

    assertThat(deadLettered).extracting(t -> t.getMetadata().getName()).containsExactly("dead");
  }

  @Test
  void theOperatorsConditionsPassTheSchemaAndAnIncompleteOneDoesNot() {
    DeadLetterTask task = client.resource(task("conditions")).create();

    DeadLetterTask written = withStatus(task, TaskPhase.Succeeded);

    assertThat(written.getStatus().getConditions())
        .extracting(c -> c.getType() + "=" + c.getStatus())
        .containsExactly("Ready=True", "Reconciling=False", "Stalled=False", "DeadLettered=False");
    DeadLetterTaskStatus incomplete = written.getStatus();
    incomplete.setConditions(
        List.of(new ConditionBuilder().withType("Ready").withStatus("Maybe").build()));
    assertThatThrownBy(() -> applyStatus(task, incomplete))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("status.conditions[0].status: Unsupported value: \"Maybe\"")
        .hasMessageContaining("status.conditions[0].lastTransitionTime: Required value")
        .hasMessageContaining("status.conditions[0].reason: Required value");
  }

  @Test
  void kubectlGetShowsReadyAndWideColumns() throws Exception {
    withStatus(client.resource(task("table")).create(), TaskPhase.Succeeded);

    JsonNode table = table("table");

    List<String> columns = new ArrayList<>();
    List<String> wide = new ArrayList<>();
    table
        .get("columnDefinitions")
        .forEach(
            c -> (c.get("priority").asInt() == 0 ? columns : wide).add(c.get("name").asText()));
    assertThat(columns).startsWith("Name", "Phase", "Ready");
    assertThat(wide).containsExactly("Message", "Active-Job");
    JsonNode row = table.get("rows").get(0).get("cells");
    assertThat(row.get(columns.indexOf("Ready")).asText()).isEqualTo("True");
    assertThat(row.get(columns.indexOf("Phase")).asText()).isEqualTo("Succeeded");
  }

  @Test
  void theDeadletterCategoryAndTheShortNameAreDiscovered() {
    APIResource resource =
        client
            .getApiResources(DeadLetterTask.GROUP + "/" + DeadLetterTask.VERSION)
            .getResources()
            .stream()
            .filter(r -> r.getName().equals("deadlettertasks"))
            .findFirst()
            .orElseThrow();

    assertThat(resource.getCategories()).containsExactly("deadletter");
    assertThat(resource.getShortNames()).containsExactly("dlt");
  }

  @Test
  void anEventWithAnActionAndARelatedJobIsAccepted() {
    DeadLetterTask task = client.resource(task("events")).create();

    new TaskEventRecorder(client, Clock.systemUTC(), "it")
        .record(
            task,
            new TaskEvent(false, TaskEvent.ATTEMPT_STARTED, "attempt 1 started as Job events-1")
                .aboutJob("events-1"));

    List<Event> events =
        client.resources(Event.class).inNamespace(namespace.name()).list().getItems();
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getAction()).isEqualTo("CreateJob");
    assertThat(events.get(0).getRelated().getKind()).isEqualTo("Job");
    assertThat(events.get(0).getRelated().getName()).isEqualTo("events-1");
    assertThat(events.get(0).getRegarding().getUid()).isEqualTo(task.getMetadata().getUid());
  }

  private static DeadLetterTask task(String name) {
    DeadLetterTask task = Tasks.task().name(name).namespace(namespace.name()).build();
    task.getMetadata().setUid(null);
    task.getMetadata().setGeneration(null);
    return task;
  }

  /** A status as the operator writes it: conditions from the phase, by server-side apply. */
  private static DeadLetterTask withStatus(DeadLetterTask task, TaskPhase phase) {
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    status.setPhase(phase);
    status.setMessage("a test wrote this");
    status.setObservedGeneration(task.getMetadata().getGeneration());
    status.setConditions(
        TaskConditions.of(
            phase, null, status.getMessage(), 1, List.of(), Instant.parse("2030-01-01T00:00:00Z")));
    return applyStatus(task, status);
  }

  private static DeadLetterTask applyStatus(DeadLetterTask task, DeadLetterTaskStatus status) {
    DeadLetterTask fresh = new DeadLetterTask();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(task.getMetadata().getName());
    meta.setNamespace(task.getMetadata().getNamespace());
    fresh.setMetadata(meta);
    fresh.setStatus(status);
    return client
        .resource(fresh)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager("crd-on-server-it")
                .withForce(true)
                .build());
  }

  /** The server-side table kubectl get prints. */
  private static JsonNode table(String name) throws Exception {
    String url =
        client.getMasterUrl()
            + "apis/deadletter.dev/v1alpha1/namespaces/"
            + namespace.name()
            + "/deadlettertasks/"
            + name;
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(url)
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .build();
    HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class).get();
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
