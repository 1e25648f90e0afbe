package dev.deadletter.operator;

import java.util.function.LongSupplier;

/**
 * A token bucket like client-go's: {@code qps} tokens a second, at most {@code burst} saved up.
 * Callers reserve a token and wait the returned time, so concurrent callers queue fairly instead of
 * spinning.
 */
public final class TokenBucket {

  private final double nanosPerToken;
  private final double burst;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  public TokenBucket(double qps, int burst, LongSupplier nanoTime) {
    if (qps <= 0 || burst < 1) {
      throw new IllegalArgumentException("need qps > 0 and burst >= 1");
    }
    this.nanosPerToken = 1e9 / qps;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.last = nanoTime.getAsLong();
  }

  /**
   * Takes a token, possibly one not yet earned; returns how many nanoseconds to wait before using
   * it.
   */
  public synchronized long reserve() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) / nanosPerToken);
    last = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * nanosPerToken);
  }
}
