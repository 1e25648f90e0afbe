package dev.deadletter.policy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Exponential backoff with jitter. The delay before attempt n+1 (after n counted attempts) is
 * {@code min(initial * multiplier^(n-1), max)}, drawn uniformly in {@code [d*(1-jitter), d]}: the
 * first retry waits {@code initial}.
 *
 * <p>The random draw is derived from the task UID and the attempt number instead of a random
 * generator, so the same attempt always gets the same delay: a restarted operator computes the
 * schedule it already wrote.
 */
public record Backoff(Duration initial, double multiplier, Duration max, double jitter) {

  public Backoff {
    if (initial.isNegative() || max.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 <= initial <= max");
    }
    if (multiplier < 1 || jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("need multiplier >= 1 and 0 <= jitter <= 1");
    }
  }

  /**
   * The delay before the jitter for the retry after {@code countedAttempts} attempts (at least 1).
   */
  public Duration baseDelay(int countedAttempts) {
    int exponent = Math.max(0, countedAttempts - 1);
    double nanos = initial.toNanos() * Math.pow(multiplier, exponent);
    if (Double.isInfinite(nanos) || nanos >= max.toNanos()) {
      return max;
    }
    return Duration.ofNanos((long) nanos);
  }

  /** The jittered delay; {@code draw} is in [0, 1). */
  public Duration delay(int countedAttempts, double draw) {
    Duration base = baseDelay(countedAttempts);
    double factor = 1 - jitter * draw;
    return Duration.ofNanos((long) Math.floor(base.toNanos() * factor));
  }

  /** A stable draw in [0, 1) for one attempt of one task. */
  public static double draw(String taskUid, int attempt) {
    byte[] digest =
        Sha256.digest(
            String.valueOf(taskUid).getBytes(StandardCharsets.UTF_8),
            ByteBuffer.allocate(4).putInt(attempt).array());
    long bits = ByteBuffer.wrap(digest).getLong() >>> 11;
    return bits / (double) (1L << 53);
  }
}
