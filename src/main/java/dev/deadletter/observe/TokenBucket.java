package dev.deadletter.observe;

import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket on the time a caller passes in, so that tests can drive it: up to {@code burst}
 * takes at once, then one per {@code interval}. A clock that steps back refills nothing.
 */
final class TokenBucket {

  private final int burst;
  private final long intervalNanos;
  private double tokens;
  private Instant refilledAt;

  TokenBucket(int burst, Duration interval) {
    if (burst < 1 || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("burst must be ≥ 1 and interval > 0");
    }
    this.burst = burst;
    this.intervalNanos = interval.toNanos();
    this.tokens = burst;
  }

  /** Takes a token if one is left at {@code now}. */
  synchronized boolean tryTake(Instant now) {
    if (refilledAt == null) {
      refilledAt = now;
    } else if (now.isAfter(refilledAt)) {
      long elapsed = Duration.between(refilledAt, now).toNanos();
      tokens = Math.min(burst, tokens + (double) elapsed / intervalNanos);
      refilledAt = now;
    }
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }
}
