package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  private final Backoff noJitter = new Backoff(TEN_SECONDS, 2, TEN_MINUTES, 0);

  @Test
  void firstRetryWaitsInitialDelay() {
    assertThat(noJitter.delay(1, 0.7)).isEqualTo(TEN_SECONDS);
    // no counted attempt (all were RetryWithoutCounting) waits like the first retry
    assertThat(noJitter.delay(0, 0.7)).isEqualTo(TEN_SECONDS);
  }

  @Test
  void delayGrowsByTheMultiplierPerCountedAttempt() {
    assertThat(noJitter.delay(2, 0.5)).isEqualTo(Duration.ofSeconds(20));
    assertThat(noJitter.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(40));
    assertThat(new Backoff(TEN_SECONDS, 1.5, TEN_MINUTES, 0).delay(3, 0))
        .isEqualTo(Duration.ofMillis(22_500));
  }

  @Test
  void delayIsCappedAtMaxDelay() {
    assertThat(noJitter.delay(6, 0)).isEqualTo(Duration.ofSeconds(320));
    assertThat(noJitter.delay(7, 0)).isEqualTo(TEN_MINUTES); // 640s uncapped
    assertThat(noJitter.delay(50, 0)).isEqualTo(TEN_MINUTES);
  }

  @Test
  void jitterShortensTheDelayWithinItsFraction() {
    Backoff halfJitter = new Backoff(TEN_SECONDS, 2, TEN_MINUTES, 0.5);

    assertThat(halfJitter.delay(3, 0)).isEqualTo(Duration.ofSeconds(40));
    assertThat(halfJitter.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(30));
    assertThat(halfJitter.delay(3, Math.nextDown(1.0)))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(20))
        .isLessThan(Duration.ofMillis(20_001));
  }

  @Test
  void hugeExponentsCapAtMaxInsteadOfOverflowing() {
    Backoff steep = new Backoff(Duration.ofHours(1), 100, Duration.ofHours(6), 0);

    assertThat(steep.delay(1000, 0)).isEqualTo(Duration.ofHours(6));
    assertThat(steep.delay(Integer.MAX_VALUE, 0)).isEqualTo(Duration.ofHours(6));
    assertThat(new Backoff(TEN_SECONDS, 1, TEN_MINUTES, 0).delay(Integer.MAX_VALUE, 0))
        .isEqualTo(TEN_SECONDS);
  }

  @Test
  void drawIsStablePerTaskAndAttemptAndBelowOne() {
    double draw = Backoff.draw(Tasks.UID, 3);

    assertThat(Backoff.draw(Tasks.UID, 3)).isEqualTo(draw);
    assertThat(draw).isGreaterThanOrEqualTo(0).isLessThan(1);
    // another attempt or another task gets another draw, so retries of many tasks spread out
    assertThat(Backoff.draw(Tasks.UID, 4)).isNotEqualTo(draw);
    assertThat(Backoff.draw("another-uid", 3)).isNotEqualTo(draw);
  }

  @Test
  void rejectsPoliciesThatCannotBeHonoured() {
    assertThatThrownBy(() -> new Backoff(TEN_MINUTES, 2, TEN_SECONDS, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(TEN_SECONDS, 0.5, TEN_MINUTES, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(TEN_SECONDS, 2, TEN_MINUTES, 1.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void jitteredDelayIsNeverAboveTheBaseOrTheCapAndNeverNegative(
      @ForAll("backoffs") Backoff backoff,
      @ForAll @IntRange(min = 1, max = 1000) int countedAttempts,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double draw) {
    Duration delay = backoff.delay(countedAttempts, draw);

    assertThat(delay)
        .isLessThanOrEqualTo(backoff.baseDelay(countedAttempts))
        .isLessThanOrEqualTo(backoff.max());
    assertThat(delay.isNegative()).isFalse();
  }

  @Property
  void drawIsAlwaysInTheUnitInterval(@ForAll String uid, @ForAll @IntRange(min = 1) int attempt) {
    assertThat(Backoff.draw(uid, attempt)).isGreaterThanOrEqualTo(0).isLessThan(1);
  }

  @Provide
  Arbitrary<Backoff> backoffs() {
    Arbitrary<Long> initialMillis = Arbitraries.longs().between(0, Duration.ofHours(1).toMillis());
    Arbitrary<Long> extraMillis = Arbitraries.longs().between(0, Duration.ofDays(1).toMillis());
    Arbitrary<Double> multiplier = Arbitraries.doubles().between(1, 10);
    Arbitrary<Double> jitter = Arbitraries.doubles().between(0, 1);
    return Combinators.combine(initialMillis, extraMillis, multiplier, jitter)
        .as(
            (initial, extra, m, j) ->
                new Backoff(Duration.ofMillis(initial), m, Duration.ofMillis(initial + extra), j));
  }

  // Regression: rounding to whole milliseconds twice put the delay up to 2ms below the jitter
  // bound.
  @Property
  void jitteredDelayIsAtMostTheJitterFractionBelowTheBase(
      @ForAll("backoffs") Backoff backoff,
      @ForAll @IntRange(min = 1, max = 1000) int countedAttempts,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double draw) {
    Duration base = backoff.baseDelay(countedAttempts);
    Duration delay = backoff.delay(countedAttempts, draw);

    double lowestNanos = base.toNanos() * (1 - backoff.jitter()) - Duration.ofMillis(1).toNanos();
    assertThat((double) delay.toNanos()).isGreaterThanOrEqualTo(lowestNanos);
  }
}
