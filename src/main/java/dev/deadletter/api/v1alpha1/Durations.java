package dev.deadletter.api.v1alpha1;

/**
 * The duration format of the API: Kubernetes (Go) durations such as {@code 90s}, {@code 5m}, {@code
 * 1h30m}.
 */
public final class Durations {

  /** One or more number-unit pairs; CEL's duration() accepts exactly these. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";

  /** The longest duration any duration field accepts: one year. */
  public static final int MAX_HOURS = 8760;

  /** {@link #MAX_HOURS} as a duration. */
  public static final String MAX = MAX_HOURS + "h";

  /**
   * The CEL rule of every duration field. The parser enforces the same bound for objects stored
   * before the rule existed.
   */
  public static final String MAX_RULE = "duration(self) <= duration('" + MAX + "')";

  public static final String MAX_MESSAGE = "must be at most " + MAX + " (1 year)";

  private Durations() {}
}
