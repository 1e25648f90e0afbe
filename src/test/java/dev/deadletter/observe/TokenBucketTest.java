package dev.deadletter.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void aBurstThenOnePerInterval() {
    TokenBucket bucket = new TokenBucket(3, Duration.ofSeconds(1));

    assertThat(takes(bucket, T0, 10)).as("the burst").isEqualTo(3);
    assertThat(takes(bucket, T0.plusMillis(500), 10)).as("half an interval").isZero();
    assertThat(takes(bucket, T0.plusSeconds(1), 10)).isEqualTo(1);
    assertThat(takes(bucket, T0.plusSeconds(3), 10)).isEqualTo(2);
    assertThat(takes(bucket, T0.plusSeconds(60), 10)).as("never more than the burst").isEqualTo(3);
  }

  @Test
  void aClockThatStepsBackRefillsNothing() {
    TokenBucket bucket = new TokenBucket(2, Duration.ofSeconds(1));
    takes(bucket, T0.plusSeconds(10), 2);

    assertThat(takes(bucket, T0, 10)).isZero();
    assertThat(takes(bucket, T0.plusSeconds(11), 10)).isEqualTo(1);
  }

  @Test
  void refusesABucketThatCouldNeverGiveATokenOrWouldGiveThemWithoutEnd() {
    assertThatThrownBy(() -> new TokenBucket(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(1, Duration.ZERO))
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
