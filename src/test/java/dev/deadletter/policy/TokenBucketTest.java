package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private static final long SECOND = 1_000_000_000L;

  @Test
  void reserveLetsTheBurstPassThenSpacesCallersAtTheRate() {
    TokenBucket bucket = new TokenBucket(10, 3);

    assertThat(bucket.reserve(0)).isZero();
    assertThat(bucket.reserve(0)).isZero();
    assertThat(bucket.reserve(0)).isZero();
    assertThat(bucket.reserve(0)).isEqualTo(100_000_000L); // 10 a second: the 4th waits 100 ms
    assertThat(bucket.reserve(0)).isEqualTo(200_000_000L); // queued behind it
  }

  @Test
  void reservedTokensRefillWithTimeUpToTheBurst() {
    TokenBucket bucket = new TokenBucket(10, 2);
    bucket.reserve(0);
    bucket.reserve(0);

    long later = 10 * SECOND; // 100 tokens earned, 2 kept

    assertThat(bucket.reserve(later)).isZero();
    assertThat(bucket.reserve(later)).isZero();
    assertThat(bucket.reserve(later)).isPositive();
  }

  @Test
  void tryTakeGivesABurstThenOnePerInterval() {
    TokenBucket bucket = new TokenBucket(1, 3);

    assertThat(takes(bucket, T0, 10)).as("the burst").isEqualTo(3);
    assertThat(takes(bucket, T0.plusMillis(500), 10)).as("half an interval").isZero();
    assertThat(takes(bucket, T0.plusSeconds(1), 10)).isEqualTo(1);
    assertThat(takes(bucket, T0.plusSeconds(3), 10)).isEqualTo(2);
    assertThat(takes(bucket, T0.plusSeconds(60), 10)).as("never more than the burst").isEqualTo(3);
  }

  @Test
  void aClockThatStepsBackRefillsNothing() {
    TokenBucket bucket = new TokenBucket(1, 2);
    takes(bucket, T0.plusSeconds(10), 2);

    assertThat(takes(bucket, T0, 10)).isZero();
    assertThat(takes(bucket, T0.plusSeconds(11), 10)).isEqualTo(1);
  }

  @Test
  void refusesABucketThatCouldNeverGiveATokenOrWouldGiveThemWithoutEnd() {
    assertThatThrownBy(() -> new TokenBucket(1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(Double.NaN, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int takes(TokenBucket bucket, Instant now, int tries) {
    int taken = 0;
    for (int i = 0; i < tries; i++) {
      if (bucket.tryTake(now)) {
        taken++;
      }
    }
    return taken;
  }
}
