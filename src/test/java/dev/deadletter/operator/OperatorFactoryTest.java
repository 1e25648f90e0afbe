package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorFactoryTest {

  @Test
  void aFailingReconcileIsRetriedForeverWithCappedExponentialWaits() {
    List<Long> delays = delays(OperatorFactory.reconcileRetry(), 1000);

    assertThat(delays).as("no attempt is the last one").hasSize(1000).doesNotContainNull();
    assertThat(delays.get(0)).as("the first retry").isEqualTo(1_000L);
    assertThat(delays)
        .isSorted()
        .as("a due retry waits at most this long once the API server is back")
        .allSatisfy(
            d -> assertThat(d).isLessThanOrEqualTo(OperatorFactory.MAX_RETRY_INTERVAL.toMillis()))
        .last()
        .isEqualTo(OperatorFactory.MAX_RETRY_INTERVAL.toMillis());
  }

  @Test
  void everyControllerUsesThatRetry() {
    // Points nowhere: registering builds the controllers, it does not connect.
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
            .build()) {
      Operator operator =
          OperatorFactory.create(
              client,
              OperatorConfig.fromEnv(Map.of("CAPTURE_ENABLED", "true")),
              Clock.systemUTC(),
              new SimpleMeterRegistry(),
              () -> {});

      assertThat(operator.getRegisteredControllers())
          .extracting(c -> c.getConfiguration().getName())
          .containsExactlyInAnyOrder(
              "deadlettertaskreconciler", "retry-budget", "redrive", "capture");
      for (RegisteredController<?> controller : operator.getRegisteredControllers()) {
        assertThat(delays(controller.getConfiguration().getRetry(), 1000))
            .as(controller.getConfiguration().getName())
            .hasSize(1000)
            .doesNotContainNull()
            .last()
            .isEqualTo(OperatorFactory.MAX_RETRY_INTERVAL.toMillis());
      }
      assertThat(operator.getConfigurationService().getExecutorService())
          .as("reconciles queue per namespace, served in turn")
          .isInstanceOf(FairExecutor.class);
    }
  }

  @Test
  void aShardRunsNoRedrives() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
            .build()) {
      Operator operator =
          OperatorFactory.create(
              client,
              OperatorConfig.fromEnv(Map.of("TASK_LABEL_SELECTOR", "shard=a")),
              Clock.systemUTC(),
              new SimpleMeterRegistry(),
              () -> {});

      assertThat(operator.getRegisteredControllers())
          .extracting(c -> c.getConfiguration().getName())
          .doesNotContain("redrive");
    }
  }

  /** The waits JOSDK would take before each of the first {@code n} retries, null once it stops. */
  private static List<Long> delays(Retry retry, int n) {
    RetryExecution execution = retry.initExecution();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      delays.add(execution.nextDelay().orElse(null));
    }
    return delays;
  }
}
