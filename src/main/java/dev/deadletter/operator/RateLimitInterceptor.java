package dev.deadletter.operator;

import dev.deadletter.policy.TokenBucket;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Holds each Kubernetes API request until the {@link TokenBucket} allows it (Fabric8 has no QPS
 * limit).
 */
final class RateLimitInterceptor implements Interceptor {

  static final String NAME = "deadletter-rate-limit";
  private final TokenBucket bucket;

  RateLimitInterceptor(TokenBucket bucket) {
    this.bucket = bucket;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (exempt(request.uri())) {
      return;
    }
    long wait = bucket.reserve(System.nanoTime());
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static boolean exempt(URI uri) {
    String path = uri.getRawPath();
    String query = uri.getRawQuery();
    return path.startsWith("/apis/events.k8s.io/")
        || (query != null && (query.contains("watch=true") || query.startsWith("watch=1")));
  }
}
