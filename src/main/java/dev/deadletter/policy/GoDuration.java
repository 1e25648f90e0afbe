package dev.deadletter.policy;

import java.math.BigDecimal;
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

  /**
   * @throws IllegalArgumentException when the text is not a duration; the schema rejects such
   *     values at admission, so this only fires for objects stored before validation existed
   */
  public static Duration parse(String text) {
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
    return Duration.ofNanos(nanos.longValue());
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
