package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The retry-after hint a failed attempt's workload gave, and what was done with it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetryAfterRecord {

  @JsonPropertyDescription("The hint as the workload wrote it (the last line's value).")
  private String hint;

  @JsonPropertyDescription(
      "The wait used before the next attempt: the hint clamped to retryPolicy.honorRetryAfter.")
  private String delay;

  @JsonPropertyDescription("Why the hint was not used, when it was not (it did not parse).")
  private String ignored;

  public RetryAfterRecord() {}

  public RetryAfterRecord(String hint, String delay, String ignored) {
    this.hint = hint;
    this.delay = delay;
    this.ignored = ignored;
  }

  public String getHint() {
    return hint;
  }

  public void setHint(String hint) {
    this.hint = hint;
  }

  public String getDelay() {
    return delay;
  }

  public void setDelay(String delay) {
    this.delay = delay;
  }

  public String getIgnored() {
    return ignored;
  }

  public void setIgnored(String ignored) {
    this.ignored = ignored;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryAfterRecord r
        && Objects.equals(hint, r.hint)
        && Objects.equals(delay, r.delay)
        && Objects.equals(ignored, r.ignored);
  }

  @Override
  public int hashCode() {
    return Objects.hash(hint, delay);
  }
}
