package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged operator as a process: configuration errors, metrics, probes, JSON logs and SIGTERM.
 */
class OperatorProcessE2E {

  @RegisterExtension static final LocalNamespace namespace = LocalNamespace.of("e2e-process");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void invalidConfigurationExitsWithStatus2AndAPlainMessage() throws Exception {
    try (OperatorProcess operator =
        OperatorProcess.start(
            "bad-config", Map.of("RECONCILE_THREADS", "0", "LOG_FORMAT", "xml"))) {
      assertThat(operator.exitCode(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(operator.log())
          .contains("invalid configuration", "RECONCILE_THREADS='0'", "LOG_FORMAT='xml'")
          .doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void metricsProbesAndLogsFollowTwoFailuresThenSuccess() throws Exception {
    try (OperatorProcess operator =
        OperatorProcess.start("metrics", Map.of("WATCH_NAMESPACES", ns, "LOG_FORMAT", "json"))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> operator.status("/readyz") == 200);
      assertThat(operator.status("/healthz")).isEqualTo(200);

      client
          .resource(task("measured").exitCodes("3,3,0").maxAttempts(3).build())
          .inNamespace(ns)
          .create();
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  client.resources(DeadLetterTask.class).inNamespace(ns).withName("measured").get(),
              t -> t.getStatus() != null && t.getStatus().getPhase() == TaskPhase.Succeeded);

      String metrics = operator.get("/metrics");
      assertThat(value(metrics, "deadletter_attempts_started_total")).isEqualTo(3);
      assertThat(
              value(
                  metrics,
                  "deadletter_attempts_finished_total{outcome=\"Failed\",reason=\"Error\"}"))
          .isEqualTo(2);
      assertThat(
              value(
                  metrics, "deadletter_attempts_finished_total{outcome=\"Succeeded\",reason=\"\"}"))
          .isEqualTo(1);
      assertThat(value(metrics, "deadletter_retry_latency_seconds_count")).isEqualTo(2);
      assertThat(value(metrics, "deadletter_retry_delay_seconds_count")).isEqualTo(2);
      assertThat(value(metrics, "deadletter_tasks{phase=\"Succeeded\"}")).isEqualTo(1);
      assertThat(
              value(metrics, "deadletter_tasks_dead_lettered_total{reason=\"RetriesExhausted\"}"))
          .isZero();
      assertThat(metrics)
          .contains("operator_sdk_reconciliations_success_total", "jvm_memory_used_bytes");
      assertThat(metrics).as("no task names as label values").doesNotContain("measured");

      assertThat(operator.terminate(Duration.ofSeconds(40)))
          .as("exit after SIGTERM")
          .isNotEqualTo(-1);
      List<JsonNode> lines = jsonLines(operator.log());
      assertThat(lines).extracting(l -> l.path("formattedMessage").asText()).contains("stopped");
      assertThat(lines)
          .filteredOn(l -> l.path("formattedMessage").asText().startsWith("created attempt"))
          .hasSize(3)
          .allSatisfy(
              l -> {
                assertThat(l.path("mdc").path("task").asText()).isEqualTo(ns + "/measured");
                assertThat(l.path("mdc").path("job").asText()).startsWith("measured-");
              });
    }
  }

  private static double value(String metrics, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(m.find()).as("series %s in /metrics", series).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** Every line the process wrote must be one JSON object. */
  private static List<JsonNode> jsonLines(String log) {
    ObjectMapper json = new ObjectMapper();
    return log.lines()
        .filter(l -> !l.isBlank())
        .map(
            l -> {
              try {
                return json.readTree(l);
              } catch (Exception e) {
                throw new AssertionError("not a JSON log line: " + l, e);
              }
            })
        .toList();
  }
}
