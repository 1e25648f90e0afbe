package dev.deadletter.operator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness from JOSDK's runtime view. Informers report unhealthy for a moment
 * whenever a watch reconnects, so liveness fails only after they have been unhealthy for a whole
 * grace period: a silently stopped informer gets the pod restarted, a reconnect does not.
 */
public final class OperatorHealth {

  public static final Duration LIVENESS_GRACE = Duration.ofSeconds(60);

  private final BooleanSupplier started;
  private final BooleanSupplier informersHealthy;
  private final Clock clock;
  private final Duration grace;
  private Instant unhealthySince;

  public OperatorHealth(
      BooleanSupplier started, BooleanSupplier informersHealthy, Clock clock, Duration grace) {
    this.started = started;
    this.informersHealthy = informersHealthy;
    this.clock = clock;
    this.grace = grace;
  }

  /** Ready once started with every informer synced and watching; a standby replica is ready too. */
  public boolean ready() {
    return started.getAsBoolean() && informersHealthy.getAsBoolean();
  }

  public synchronized boolean alive() {
    if (!started.getAsBoolean() || informersHealthy.getAsBoolean()) {
      unhealthySince = null; // starting up is the startup probe's business
      return true;
    }
    Instant now = clock.instant();
    if (unhealthySince == null) {
      unhealthySince = now;
    }
    return Duration.between(unhealthySince, now).compareTo(grace) < 0;
  }
}
