package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Which tasks share the budget, and how many retries it allows. */
public class RetryBudgetSpec {

  public static final String DESCRIPTION =
      "Which tasks of the namespace share this budget, how many retries it allows, and its circuit"
          + " breakers.";

  public static final String DEFAULT_WINDOW = "1m";
  public static final int DEFAULT_PERCENT = 20;
  public static final int DEFAULT_MIN_RETRIES_PER_MINUTE = 10;

  /** A window of at least 10s and at most a day: counted from the tasks' recent history. */
  static final String WINDOW_RULE =
      "!self.matches("
          + Durations.REGEX
          + ") || (duration(self) >= duration('10s') && duration(self) <= duration('24h'))";

  static final String WINDOW_MESSAGE = "must be between 10s and 24h";

  @SchemaFrom(type = LabelSelectorSchema.class)
  @JsonPropertyDescription(
      "Labels of the tasks that share this budget (a label selector). Unset or empty: every task of"
          + " the namespace. A task selected by several budgets retries only when all allow it.")
  private LabelSelector selector;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = WINDOW_RULE, message = WINDOW_MESSAGE)
  @Default(DEFAULT_WINDOW)
  @JsonPropertyDescription(
      "The sliding window retries and first attempts are counted over (default 1m, 10s to 24h).")
  private String window;

  @Min(0)
  @Max(1000)
  @Default("20")
  @JsonPropertyDescription(
      "Retries allowed per window, in percent of the first attempts the selected tasks started in"
          + " the window (default 20). At least minRetriesPerMinute are always allowed.")
  private Integer percent;

  @Min(0)
  @Max(100000)
  @Default("10")
  @JsonPropertyDescription(
      "Retries a minute allowed however few first attempts start (default 10; scaled to the"
          + " window's length).")
  private Integer minRetriesPerMinute;

  @Min(1)
  @Max(100000)
  @JsonPropertyDescription("At most this many retry attempts running at once. Unset: no bound.")
  private Integer maxConcurrentRetries;

  @JsonPropertyDescription(
      "Stops retries for a key (a label's value, or the rule a failure matched) while its attempts"
          + " mostly fail, then lets a few probes through. Unset: no circuit breaker.")
  private CircuitBreakerPolicy circuitBreaker;

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public String getWindow() {
    return window;
  }

  public void setWindow(String window) {
    this.window = window;
  }

  public Integer getPercent() {
    return percent;
  }

  public void setPercent(Integer percent) {
    this.percent = percent;
  }

  public Integer getMinRetriesPerMinute() {
    return minRetriesPerMinute;
  }

  public void setMinRetriesPerMinute(Integer minRetriesPerMinute) {
    this.minRetriesPerMinute = minRetriesPerMinute;
  }

  public Integer getMaxConcurrentRetries() {
    return maxConcurrentRetries;
  }

  public void setMaxConcurrentRetries(Integer maxConcurrentRetries) {
    this.maxConcurrentRetries = maxConcurrentRetries;
  }

  public CircuitBreakerPolicy getCircuitBreaker() {
    return circuitBreaker;
  }

  public void setCircuitBreaker(CircuitBreakerPolicy circuitBreaker) {
    this.circuitBreaker = circuitBreaker;
  }
}
