package dev.deadletter.operator;

import dev.deadletter.jobs.Leadership;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Readiness and leadership as gauges, so that "not ready" and "no leader" alerts need only the
 * operator's own /metrics (no kube-state-metrics), and a standby replica is told from the leader.
 */
final class OperatorGauges {

  private OperatorGauges() {}

  /**
   * @param leadership whether this replica holds the leader Lease; {@link Leadership#ALWAYS}
   *     without leader election, where the one replica leads
   */
  static void register(MeterRegistry registry, OperatorHealth health, Leadership leadership) {
    Gauge.builder("deadletter.operator.ready", () -> health.ready() ? 1 : 0)
        .description(
            "1 when this replica answers /readyz with 200 (started, every informer synced)")
        .register(registry);
    Gauge.builder("deadletter.operator.leader", () -> leadership.holdsLease() ? 1 : 0)
        .description(
            "1 when this replica holds the leader Lease (always 1 without leader election)")
        .register(registry);
  }
}
