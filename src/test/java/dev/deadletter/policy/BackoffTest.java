package dev.deadletter.policy;

import static dev.deadletter.testing.PropertyRuns.doubleBetween;
import static dev.deadletter.testing.PropertyRuns.forAll;
import static dev.deadletter.testing.PropertyRuns.intBetween;
import static dev.deadletter.testing.PropertyRuns.longBetween;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
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

  @Test
  void jitteredDelayIsNeverAboveTheBaseOrTheCapAndNeverNegative() {
    forAll(
        1_000,
        Delay::random,
        c -> {
          Duration delay = c.backoff().delay(c.countedAttempts(), c.draw());

          assertThat(delay)
              .isLessThanOrEqualTo(c.backoff().baseDelay(c.countedAttempts()))
              .isLessThanOrEqualTo(c.backoff().max());
          assertThat(delay.isNegative()).isFalse();
        });
  }

  @Test
  void drawIsAlwaysInTheUnitInterval() {
    forAll(
        1_000,
        r -> new TaskAttempt(anyString(r), intBetween(r, 1, Integer.MAX_VALUE)),
        a ->
            assertThat(Backoff.draw(a.uid(), a.attempt())).isGreaterThanOrEqualTo(0).isLessThan(1));
  }

  // Regression: rounding to whole milliseconds twice put the delay up to 2ms below the jitter
  // bound.
  @Test
  void jitteredDelayIsAtMostTheJitterFractionBelowTheBase() {
    forAll(
        1_000,
        Delay::random,
        c -> {
          Duration base = c.backoff().baseDelay(c.countedAttempts());
          Duration delay = c.backoff().delay(c.countedAttempts(), c.draw());

          double lowestNanos =
              base.toNanos() * (1 - c.backoff().jitter()) - Duration.ofMillis(1).toNanos();
          assertThat((double) delay.toNanos()).isGreaterThanOrEqualTo(lowestNanos);
        });
  }

  /** One delay to compute: a policy, the counted attempts so far and the draw in [0, 1). */
  private record Delay(Backoff backoff, int countedAttempts, double draw) {
    static Delay random(Random r) {
      return new Delay(
          anyBackoff(r), intBetween(r, 1, 1000), doubleBetween(r, 0, Math.nextDown(1.0)));
    }
  }

  private record TaskAttempt(String uid, int attempt) {}

  /** Any policy: initial delay up to an hour, max delay up to a day above it. */
  private static Backoff anyBackoff(Random r) {
    long initialMillis = longBetween(r, 0, Duration.ofHours(1).toMillis());
    long extraMillis = longBetween(r, 0, Duration.ofDays(1).toMillis());
    double multiplier = doubleBetween(r, 1, 10);
    double jitter = doubleBetween(r, 0, 1);
    return new Backoff(
        Duration.ofMillis(initialMillis),
        multiplier,
        Duration.ofMillis(initialMillis + extraMillis),
        jitter);
  }

  /** Up to 255 chars of any kind, lone surrogates included: a UID is only ever hashed. */
  private static String anyString(Random r) {
    char[] chars = new char[intBetween(r, 0, 255)];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = (char) r.nextInt(Character.MAX_VALUE + 1);
    }
    return new String(chars);
  }
}
