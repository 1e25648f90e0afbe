package dev.deadletter.policy;

import java.time.Instant;

/**
 * A token bucket like client-go's: {@code perSecond} tokens a second, at most {@code burst} saved
 * up, starting full. Time is an argument in nanoseconds, of any clock that only the caller reads; a
 * clock that steps back refills nothing.
 */
public final class TokenBucket {

  private final double nanosPerToken;
  private final int burst;
  private double tokens;
  private long refilledAt;
  private boolean started;

  public TokenBucket(double perSecond, int burst) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("need perSecond > 0 and burst >= 1");
    }
    this.nanosPerToken = 1e9 / perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Takes a token if one is left at {@code nowNanos}; a caller that gets none goes without. */
  public synchronized boolean tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }

  /** {@link #tryTake(long)} on a wall clock, as the reconcilers' passes have it. */
  public boolean tryTake(Instant now) {
    return tryTake(now.getEpochSecond() * 1_000_000_000L + now.getNano());
  }

  /**
   * Takes a token, possibly one not yet earned; returns how many nanoseconds to wait before using
   * it, so concurrent callers queue at the rate instead of spinning.
   */
  public synchronized long reserve(long nowNanos) {
    refill(nowNanos);
    tokens--;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * nanosPerToken);
  }

  private void refill(long now) {
    if (!started) {
      started = true;
      refilledAt = now;
    } else if (now - refilledAt > 0) {
      tokens = Math.min(burst, tokens + (now - refilledAt) / nanosPerToken);
      refilledAt = now;
    }
  }
}
