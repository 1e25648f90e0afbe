package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The gauges the "not ready" and "no leader" alerts read, as Prometheus scrapes them. */
class OperatorGaugesTest {

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean informersHealthy = new AtomicBoolean();
  private final AtomicBoolean leads = new AtomicBoolean();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  OperatorGaugesTest() {
    OperatorGauges.register(
        registry,
        new OperatorHealth(
            started::get, informersHealthy::get, Clock.systemUTC(), Duration.ofSeconds(60)),
        leads::get);
  }

  @Test
  void readyFollowsTheReadinessProbe() {
    assertThat(registry.scrape()).contains("deadletter_operator_ready 0.0");

    started.set(true);
    informersHealthy.set(true);

    assertThat(registry.scrape()).contains("deadletter_operator_ready 1.0");

    informersHealthy.set(false);

    assertThat(registry.scrape()).contains("deadletter_operator_ready 0.0");
  }

  @Test
  void leaderFollowsTheLease() {
    assertThat(registry.scrape()).contains("deadletter_operator_leader 0.0");

    leads.set(true);

    assertThat(registry.scrape()).contains("deadletter_operator_leader 1.0");
  }
}
