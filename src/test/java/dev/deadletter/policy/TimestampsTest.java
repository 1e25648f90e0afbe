package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The direct reading of RFC 3339 UTC times agrees with {@link Instant#parse}, on any input. */
class TimestampsTest {

  static final long SEED = Long.getLong("property.seed", 20261202L);

  @Test
  void agreesWithInstantParseOnSeededTimesAtEveryPrecision() {
    Random random = new Random(SEED);
    long from = Instant.parse("1970-01-01T00:00:00Z").getEpochSecond();
    long to = Instant.parse("2200-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 20_000; i++) {
      Instant t =
          Instant.ofEpochSecond(
              from + (long) (random.nextDouble() * (to - from)), random.nextInt(1_000_000_000));
      ChronoUnit unit =
          switch (i % 4) {
            case 0 -> ChronoUnit.SECONDS;
            case 1 -> ChronoUnit.MILLIS;
            case 2 -> ChronoUnit.MICROS;
            default -> ChronoUnit.NANOS;
          };
      String text = DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(unit));
      assertThat(Timestamps.parse(text)).as(text).isEqualTo(Instant.parse(text));
      assertThat(Timestamps.parseUtc(text)).as("read directly: " + text).isNotNull();
    }
  }

  @Test
  void readsWhatKubernetesAndTheOperatorWrite() {
    assertThat(Timestamps.parse("2030-01-01T00:00:40Z"))
        .isEqualTo(Instant.parse("2030-01-01T00:00:40Z"));
    assertThat(Timestamps.parse("2024-02-29T23:59:59.5Z"))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59.500Z"));
    assertThat(Timestamps.parse("2030-01-01T00:00:00.000001Z"))
        .isEqualTo(Instant.parse("2030-01-01T00:00:00.000001Z"));
    assertThat(Timestamps.parse(null)).isNull();
    assertThat(Timestamps.parse("")).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2030-01-01T00:00:00+01:00", // an offset
        "2030-01-01T24:00:00Z", // the end of the day
        "2030-01-01T00:00:00.Z", // a point without a fraction
      })
  void otherShapesAreLeftToInstantParseAndReadAsBefore(String text) {
    assertThat(Timestamps.parseUtc(text)).isNull();
    assertThat(Timestamps.parse(text)).isEqualTo(Instant.parse(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2030-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2030-04-31T00:00:00Z",
        "2030-01-01T00:60:00Z",
        "2030-01-01T00:00:00.1234567891Z",
        "2030-01-01 00:00:00Z",
        "2030-01-0aT00:00:00Z",
        "yesterday"
      })
  void invalidTimesFailAsTheyDidBefore(String text) {
    assertThat(Timestamps.parseUtc(text)).isNull();
    assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeParseException.class);
  }
}
