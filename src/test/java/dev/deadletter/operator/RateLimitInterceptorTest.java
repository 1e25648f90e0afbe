package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RateLimitInterceptorTest {

  @Test
  void eventsAndWatchesDoNotSpendTheBudgetOfJobCreates() {
    assertThat(
            RateLimitInterceptor.exempt(
                URI.create("https://k/apis/events.k8s.io/v1/namespaces/a/events")))
        .isTrue();
    assertThat(
            RateLimitInterceptor.exempt(
                URI.create("https://k/apis/batch/v1/namespaces/a/jobs?labelSelector=x&watch=true")))
        .isTrue();
    assertThat(RateLimitInterceptor.exempt(URI.create("https://k/apis/batch/v1/namespaces/a/jobs")))
        .isFalse();
    assertThat(
            RateLimitInterceptor.exempt(
                URI.create("https://k/apis/batch/v1/namespaces/a/jobs?labelSelector=x&limit=500")))
        .isFalse();
  }
}
