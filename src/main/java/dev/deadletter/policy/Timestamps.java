package dev.deadletter.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * RFC 3339 timestamps: at second precision as Kubernetes writes them, or at millisecond precision.
 */
public final class Timestamps {

  private Timestamps() {}

  public static String format(Instant instant) {
    return instant == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * For times the operator schedules itself, where a jitter below a second must not be rounded
   * away.
   */
  public static String formatMillis(Instant instant) {
    return instant == null
        ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /**
   * Parses an RFC 3339 UTC timestamp. Every pass parses the times of every attempt, and {@link
   * Instant#parse} was a few percent of the operator's CPU: the shape Kubernetes and this operator
   * write ({@code 2030-01-01T00:00:00Z}, maybe with a fraction) is read directly, any other text as
   * before.
   */
  public static Instant parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    Instant utc = parseUtc(text);
    return utc != null ? utc : Instant.parse(text);
  }

  private static final int[] FRACTION_SCALE = {
    0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1
  };

  /**
   * {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, or null for any other text (including invalid dates).
   */
  static Instant parseUtc(String t) {
    int n = t.length();
    if (n < 20
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || t.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) {
      return null;
    }
    if (minute < 0 || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    if (day > Month.of(month).length(Year.isLeap(year))) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      int fractionDigits = n - 21;
      if (t.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
        return null;
      }
      int fraction = digits(t, 20, n - 1);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction * FRACTION_SCALE[fractionDigits];
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
  }

  /** The decimal number in {@code t[from, to)}, or -1 if any of it is not an ASCII digit. */
  private static int digits(String t, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
