package dev.deadletter.policy;

import static dev.deadletter.testing.PropertyRuns.forAll;
import static dev.deadletter.testing.PropertyRuns.longBetween;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

  @ParameterizedTest
  @CsvSource({
    "90s, PT1M30S",
    "5m, PT5M",
    "1h30m, PT1H30M",
    "1.5s, PT1.5S",
    "100ms, PT0.1S",
    "2h0m0s, PT2H",
    "250us, PT0.00025S",
    "10ns, PT0.00000001S"
  })
  void parsesKubernetesDurations(String text, Duration expected) {
    assertThat(GoDuration.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5x", "-1s", "1h 30m", "s", "1.s", " 5s", "5s "})
  void rejectsTextThatIsNotADuration(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDurationBeyondGosRangeIsAnErrorNotAWrappedNegative() {
    // 9999999h used to wrap around to about -28 years: a task's ttlAfterSucceeded of 9999999h
    // deleted it at once, an attemptTimeout of 9999999h became activeDeadlineSeconds 1.
    assertThatThrownBy(() -> GoDuration.parse("9999999h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("9999999h is longer than the maximum 2562047h47m16s");
    assertThat(GoDuration.parse("2562047h47m16.854775807s"))
        .isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    assertThatThrownBy(() -> GoDuration.parse("2562047h47m16.854775808s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFieldsMaximumIsEnforcedByTheParser() {
    Duration year = Duration.ofHours(8760);

    assertThat(GoDuration.parse("8760h", year)).isEqualTo(year);
    assertThat(GoDuration.parse("525600m", year)).isEqualTo(year);
    assertThatThrownBy(() -> GoDuration.parse("8760h1ns", year))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("8760h1ns is longer than the maximum 8760h0m0s");
    assertThatThrownBy(() -> GoDuration.parse("9999999h", year))
        .hasMessage("9999999h is longer than the maximum 8760h0m0s");
  }

  @Test
  void fractionsOfANanosecondAreCutAsInGo() {
    assertThat(GoDuration.parse("1.9ns")).isEqualTo(Duration.ofNanos(1));
  }

  @ParameterizedTest
  @CsvSource({"PT0S, 0s", "PT45S, 45s", "PT1M30S, 1m30s", "PT1H30M, 1h30m0s", "PT26H, 26h0m0s"})
  void formatsLikeGo(Duration duration, String expected) {
    assertThat(GoDuration.format(duration)).isEqualTo(expected);
  }

  @Test
  void formattedWholeSecondsParseBack() {
    forAll(
        1_000,
        r -> Duration.ofSeconds(longBetween(r, 0, 10_000_000)),
        d -> assertThat(GoDuration.parse(GoDuration.format(d))).isEqualTo(d));
  }
}
