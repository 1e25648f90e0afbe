package dev.deadletter.api.v1alpha1;

/**
 * The duration format of the API: Kubernetes (Go) durations such as {@code 90s}, {@code 5m}, {@code
 * 1h30m}.
 */
public final class Durations {

  /** One or more number-unit pairs; CEL's duration() accepts exactly these. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";

  /**
   * The longest text of a duration field: bounds the cost the API server estimates for the CEL
   * rules (they must fit its budget with 32 rules of a policy), and no real duration is longer.
   */
  public static final int MAX_LENGTH = 64;

  /** The longest duration any duration field accepts: one year. */
  public static final int MAX_HOURS = 8760;

  /** {@link #MAX_HOURS} as a duration. */
  public static final String MAX = MAX_HOURS + "h";

  /** {@link #PATTERN} as a CEL string literal, for rules that compare durations. */
  public static final String REGEX = "'^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$'";

  /**
   * The format, as a CEL rule rather than a schema pattern: a pattern's error shows the regular
   * expression, this rule's message says what to write.
   */
  public static final String FORMAT_RULE = "self.matches(" + REGEX + ")";

  /** After the API server's {@code Invalid value: "10":}, what to write instead. */
  public static final String FORMAT_MESSAGE =
      "must be a duration such as 90s, 10m or 1h30m (a number and a unit: ns, us, ms, s, m or h)";

  /**
   * The bound of every duration field, only for a value of the right format (the format rule
   * reports the others; duration() would fail on them). The parser enforces the same bound for
   * objects stored before the rule existed.
   */
  public static final String MAX_RULE =
      "!" + FORMAT_RULE + " || duration(self) <= duration('" + MAX + "')";

  public static final String MAX_MESSAGE = "must be at most " + MAX + " (1 year)";

  private Durations() {}
}
