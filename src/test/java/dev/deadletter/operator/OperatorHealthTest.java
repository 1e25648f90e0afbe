package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OperatorHealthTest {

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean informersHealthy = new AtomicBoolean();
  private Instant now = Instant.parse("2026-11-28T12:00:00Z");
  private final OperatorHealth health =
      new OperatorHealth(
          started::get,
          informersHealthy::get,
          new Clock() {
            @Override
            public Instant instant() {
              return now;
            }

            @Override
            public java.time.ZoneId getZone() {
              return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
              return this;
            }
          },
          Duration.ofSeconds(60));

  @Test
  void readyOnlyOnceStartedWithSyncedInformers() {
    assertThat(health.ready()).isFalse();
    started.set(true);
    assertThat(health.ready()).isFalse();
    informersHealthy.set(true);
    assertThat(health.ready()).isTrue();
  }

  @Test
  void aStoppedInformerFailsLivenessAfterTheGracePeriod() {
    started.set(true);
    informersHealthy.set(true);
    assertThat(health.alive()).isTrue();

    informersHealthy.set(false); // e.g. a watch that stopped and never came back
    assertThat(health.alive()).isTrue();
    now = now.plusSeconds(59);
    assertThat(health.alive()).isTrue();
    now = now.plusSeconds(2);
    assertThat(health.alive()).isFalse();
    assertThat(health.ready()).isFalse();
  }

  @Test
  void aWatchThatReconnectsWithinTheGraceStaysAlive() {
    started.set(true);
    informersHealthy.set(false);
    health.alive();
    now = now.plusSeconds(30);
    informersHealthy.set(true);
    assertThat(health.alive()).isTrue();

    informersHealthy.set(false); // a new outage: its grace starts now, not at the first one
    health.alive();
    now = now.plusSeconds(45);
    assertThat(health.alive()).isTrue();
  }

  @Test
  void notStartedYetIsTheStartupProbesBusiness() {
    assertThat(health.alive()).isTrue();
  }
}
