package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private final AtomicLong nanos = new AtomicLong();

  @Test
  void burstPassesAtOnceThenRequestsAreSpacedAtTheRate() {
    TokenBucket bucket = new TokenBucket(10, 3, nanos::get);

    assertThat(bucket.reserve()).isZero();
    assertThat(bucket.reserve()).isZero();
    assertThat(bucket.reserve()).isZero();
    assertThat(bucket.reserve()).isEqualTo(100_000_000L); // 10 qps: the 4th waits 100ms
    assertThat(bucket.reserve()).isEqualTo(200_000_000L); // queued behind it
  }

  @Test
  void tokensRefillWithTimeUpToTheBurst() {
    TokenBucket bucket = new TokenBucket(10, 2, nanos::get);
    bucket.reserve();
    bucket.reserve();

    nanos.addAndGet(10_000_000_000L); // 10s later: 100 tokens earned, 2 kept

    assertThat(bucket.reserve()).isZero();
    assertThat(bucket.reserve()).isZero();
    assertThat(bucket.reserve()).isPositive();
  }
}
