package dev.deadletter.operator;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Counts the operator's Kubernetes API requests by method and response code (Fabric8 exports no
 * client metrics): throttling (429), conflicts (409) and outages show on the dashboard. A try that
 * got no response at all (refused, reset) counts with code "none" when Fabric8 retries it.
 */
final class ApiRequestMetrics implements Interceptor {

  static final String NAME = "deadletter-api-request-metrics";

  private final MeterRegistry registry;

  ApiRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    count(request.method(), String.valueOf(response.code()));
  }

  @Override
  public void afterConnectionFailure(HttpRequest request, Throwable failure) {
    count(request.method(), "none");
  }

  private void count(String method, String code) {
    Counter.builder("deadletter.api.requests")
        .description(
            "Kubernetes API requests of the operator's client, by method and response code")
        .tag("method", method)
        .tag("code", code)
        .register(registry)
        .increment();
  }
}
