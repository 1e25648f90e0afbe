package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** Requests of a client with the interceptor, to Fabric8's mock API server. */
@EnableKubernetesMockClient(crud = true)
class ApiRequestMetricsTest {

  KubernetesClient mockClient;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void countsRequestsByMethodAndResponseCode() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(mockClient.getConfiguration())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        ApiRequestMetrics.NAME, new ApiRequestMetrics(registry)))
            .build()) {
      var cm = new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().build();
      client.configMaps().inNamespace("ns").resource(cm).create();
      Assertions.assertThatThrownBy(
              () -> client.configMaps().inNamespace("ns").resource(cm).create())
          .isInstanceOf(KubernetesClientException.class);
      client.configMaps().inNamespace("ns").withName("a").get();
      client.configMaps().inNamespace("ns").withName("missing").get();
    }

    assertThat(count("POST", "201")).isEqualTo(1);
    assertThat(count("POST", "409")).isEqualTo(1);
    assertThat(count("GET", "200")).isEqualTo(1);
    assertThat(count("GET", "404")).isEqualTo(1);
  }

  @Test
  void aTryWithoutResponseCountsAsNone() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(mockClient.getConfiguration())
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(1)
                    .withRequestRetryBackoffInterval(10)
                    .build())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        ApiRequestMetrics.NAME, new ApiRequestMetrics(registry)))
            .build()) {
      Assertions.assertThatThrownBy(() -> client.configMaps().inNamespace("ns").withName("a").get())
          .isInstanceOf(KubernetesClientException.class);
    }

    // Fabric8 reports the tries it retries: here the first of two.
    assertThat(count("GET", "none")).isEqualTo(1);
    assertThat(count("GET", "200") + count("GET", "404")).isZero();
  }

  private double count(String method, String code) {
    var counter =
        registry.find("deadletter.api.requests").tag("method", method).tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }
}
