package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A circuit per key: it opens when too many of the key's attempts fail, stays open for {@code
 * openFor}, then lets {@code halfOpenProbes} retries through, whose outcome closes or reopens it.
 */
public class CircuitBreakerPolicy {

  public static final int DEFAULT_FAILURE_RATE = 50;
  public static final int DEFAULT_MIN_ATTEMPTS = 10;
  public static final String DEFAULT_WINDOW = "1m";
  public static final String DEFAULT_OPEN_FOR = "30s";
  public static final int DEFAULT_HALF_OPEN_PROBES = 1;

  @Size(max = 63)
  @Pattern("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
  @JsonPropertyDescription(
      "A circuit per value of this task label (e.g. dependency: one circuit for db, one for"
          + " registry); a task without the label has no circuit. Unset: a circuit per retryPolicy"
          + " rule that failures matched (a failure that matched none: key 'unmatched').")
  private String keyLabel;

  @Min(1)
  @Max(100)
  @Default("50")
  @JsonPropertyDescription(
      "The circuit opens when more than this percent of the key's attempts that ended in the"
          + " window failed (default 50).")
  private Integer failureRate;

  @Min(1)
  @Max(100000)
  @Default("10")
  @JsonPropertyDescription(
      "...and at least this many of the key's attempts ended in the window (default 10).")
  private Integer minAttempts;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = RetryBudgetSpec.WINDOW_RULE, message = RetryBudgetSpec.WINDOW_MESSAGE)
  @Default(DEFAULT_WINDOW)
  @JsonPropertyDescription("The window failures are counted over (default 1m, 10s to 24h).")
  private String window;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = RetryBudgetSpec.WINDOW_RULE, message = RetryBudgetSpec.WINDOW_MESSAGE)
  @Default(DEFAULT_OPEN_FOR)
  @JsonPropertyDescription(
      "How long an open circuit stops the key's retries before probes go through (default 30s).")
  private String openFor;

  @Min(1)
  @Max(1000)
  @Default("1")
  @JsonPropertyDescription(
      "Retries let through once openFor has passed (default 1): if they all succeed the circuit"
          + " closes; a failure among them reopens it.")
  private Integer halfOpenProbes;

  public String getKeyLabel() {
    return keyLabel;
  }

  public void setKeyLabel(String keyLabel) {
    this.keyLabel = keyLabel;
  }

  public Integer getFailureRate() {
    return failureRate;
  }

  public void setFailureRate(Integer failureRate) {
    this.failureRate = failureRate;
  }

  public Integer getMinAttempts() {
    return minAttempts;
  }

  public void setMinAttempts(Integer minAttempts) {
    this.minAttempts = minAttempts;
  }

  public String getWindow() {
    return window;
  }

  public void setWindow(String window) {
    this.window = window;
  }

  public String getOpenFor() {
    return openFor;
  }

  public void setOpenFor(String openFor) {
    this.openFor = openFor;
  }

  public Integer getHalfOpenProbes() {
    return halfOpenProbes;
  }

  public void setHalfOpenProbes(Integer halfOpenProbes) {
    this.halfOpenProbes = halfOpenProbes;
  }
}
