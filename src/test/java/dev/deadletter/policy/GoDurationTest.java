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
