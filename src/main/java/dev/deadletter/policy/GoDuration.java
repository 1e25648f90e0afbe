package dev.deadletter.policy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints the Kubernetes (Go) duration format used by the API: {@code 90s}, {@code
 * 1h30m}.
 */
public final class GoDuration {

  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

  private GoDuration() {}

  /** Go's longest duration (int64 nanoseconds): about 292 years. */
  public static final Duration GO_MAX = Duration.ofNanos(Long.MAX_VALUE);

  /**
   * @throws IllegalArgumentException when the text is not a duration or longer than Go's longest
   *     ({@link #GO_MAX}); the schema rejects such values at admission, so this only fires for
   *     objects stored before validation existed
   */
  public static Duration parse(String text) {
    return parse(text, GO_MAX);
  }

  /**
   * Like {@link #parse(String)}, for a field with a maximum.
   *
   * @throws IllegalArgumentException also when the duration is longer than {@code max}
   */
  public static Duration parse(String text, Duration max) {
    if (max.compareTo(GO_MAX) > 0) {
      max = GO_MAX;
    }
    BigDecimal nanos = nanos(text);
    BigDecimal maxNanos =
        BigDecimal.valueOf(max.getSeconds())
            .movePointRight(9)
            .add(BigDecimal.valueOf(max.getNano()));
    if (nanos.compareTo(maxNanos) > 0) {
      throw new IllegalArgumentException(
          "%s is longer than the maximum %s".formatted(text, format(max)));
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  /** Whole nanoseconds (fractions of a nanosecond are cut, as Go does), without overflow. */
  private static BigDecimal nanos(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = PART.matcher(text);
    int end = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      end = m.end();
      nanos =
          nanos.add(
              new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit(m.group(2)))));
    }
    if (end != text.length()) {
      throw new IllegalArgumentException("not a duration (expected e.g. 90s, 5m, 1h30m): " + text);
    }
    return nanos.setScale(0, RoundingMode.DOWN);
  }

  /** Formats whole seconds the way Go prints them, e.g. {@code 1h30m0s}. */
  public static String format(Duration d) {
    long s = d.toSeconds();
    StringBuilder out = new StringBuilder();
    if (s >= 3600) {
      out.append(s / 3600).append('h');
    }
    if (s >= 60) {
      out.append(s % 3600 / 60).append('m');
    }
    return out.append(s % 60).append('s').toString();
  }

  private static long nanosPerUnit(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> throw new IllegalArgumentException("unknown unit " + unit);
    };
  }
}
