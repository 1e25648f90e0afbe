package dev.deadletter.reconciler;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only fault injection: halts the process, as SIGKILL would, at the places where a crash is
 * most dangerous for a controller that creates Jobs (between two writes). Off unless the
 * environment variable {@value #ENV} names points and their probabilities, e.g. {@code
 * after-create:0.2,while-pruning:0.5}. The reliability suite uses it; nothing else should.
 */
public final class CrashPoints {

  public static final String ENV = "DEADLETTER_TEST_CRASH_POINTS";

  /** Where a pass may be cut short. */
  public enum Point {
    /** The attempt Job exists, the status that counts it is not written yet. */
    AFTER_CREATE("after-create"),
    /** The status is written; the Events, the pruning and the next pass have not happened. */
    AFTER_STATUS("after-status"),
    /** One old Job was deleted for the history limits, others may still be due. */
    WHILE_PRUNING("while-pruning");

    private final String key;

    Point(String key) {
      this.key = key;
    }
  }

  public static final CrashPoints NONE = new CrashPoints(Map.of());

  private final Map<Point, Double> probabilities;

  private CrashPoints(Map<Point, Double> probabilities) {
    this.probabilities = probabilities;
  }

  /**
   * @throws IllegalArgumentException for an unknown point or a probability outside 0..1
   */
  public static CrashPoints fromEnv(Map<String, String> env) {
    String value = env.get(ENV);
    if (value == null || value.isBlank()) {
      return NONE;
    }
    Map<Point, Double> probabilities = new EnumMap<>(Point.class);
    for (String entry : value.split(",")) {
      String[] parts = entry.trim().split(":");
      Point point = parse(parts[0], value);
      double p = parts.length == 2 ? Double.parseDouble(parts[1]) : 1.0;
      if (parts.length > 2 || p < 0 || p > 1) {
        throw new IllegalArgumentException(ENV + "='" + value + "': expected point:probability");
      }
      probabilities.put(point, p);
    }
    return new CrashPoints(probabilities);
  }

  /** Whether any point is armed. */
  public boolean armed() {
    return !probabilities.isEmpty();
  }

  @Override
  public String toString() {
    return probabilities.toString();
  }

  /**
   * Looked up when used, not when the class loads: the configuration parses crash points before
   * logging is configured, and a logger created then would fix the log format to the default.
   */
  private static Logger log() {
    return LoggerFactory.getLogger(CrashPoints.class);
  }

  /** Halts the JVM here with the configured probability: no shutdown hook, no cleanup. */
  void reached(Point point) {
    Double p = probabilities.get(point);
    if (p != null && ThreadLocalRandom.current().nextDouble() < p) {
      log().warn("crash point {} reached: halting", point.key);
      Runtime.getRuntime().halt(137);
    }
  }

  private static Point parse(String key, String value) {
    for (Point point : Point.values()) {
      if (point.key.equals(key)) {
        return point;
      }
    }
    throw new IllegalArgumentException(
        ENV
            + "='"
            + value
            + "': unknown point '"
            + key
            + "' (after-create, after-status, while-pruning)");
  }
}
