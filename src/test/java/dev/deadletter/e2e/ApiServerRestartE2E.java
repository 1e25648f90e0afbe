package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.AuditedCreates;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server restarts (etcd and its data stay) while retries are due. The operator is not
 * restarted: its watches reconnect, and every due retry still starts, once.
 */
class ApiServerRestartE2E {

  static final int TASKS = 10;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-apiserver");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void retriesDueWhileTheApiServerRestartsStartOnceItIsBack() throws Exception {
    IntStream.range(0, TASKS)
        .forEach(
            i ->
                client
                    .resource(task("restart-" + i).exitCodes("1,0").initialDelay("8s").build())
                    .inNamespace(ns)
                    .create());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems(),
            l ->
                l.size() == TASKS
                    && l.stream()
                        .allMatch(
                            t ->
                                t.getStatus() != null
                                    && t.getStatus().getPhase() == TaskPhase.BackingOff));

    restartApiServer();

    List<DeadLetterTask> done =
        await()
            .atMost(Duration.ofSeconds(120))
            .until(
                () -> client.resources(DeadLetterTask.class).inNamespace(ns).list().getItems(),
                l ->
                    l.stream()
                        .allMatch(
                            t ->
                                t.getStatus() != null
                                    && t.getStatus().getPhase() == TaskPhase.Succeeded));
    assertThat(done)
        .hasSize(TASKS)
        .allSatisfy(t -> assertThat(t.getStatus().getAttempts()).isEqualTo(2));
    Map<String, AuditedCreates> creates = LocalCluster.jobCreates(ns);
    assertThat(creates)
        .hasSize(2 * TASKS)
        .allSatisfy((name, count) -> assertThat(count.atMost()).isEqualTo(1));
  }

  private static void restartApiServer() throws Exception {
    Process restart =
        new ProcessBuilder("hack/cluster.sh", "restart", "kube-apiserver")
            .redirectErrorStream(true)
            .start();
    String out = new String(restart.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(restart.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(restart.exitValue()).as(out).isZero();
  }
}
