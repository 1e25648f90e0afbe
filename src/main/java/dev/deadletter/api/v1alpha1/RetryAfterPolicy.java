package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Lets the workload say when to retry, as HTTP Retry-After and Temporal's nextRetryDelay do: a
 * termination message whose last line is {@code retry-after: <duration>} sets the wait before the
 * next attempt, clamped to [min, max], instead of the computed backoff.
 */
@ValidationRule(
    value =
        "!has(self.min) || !self.min.matches("
            + Durations.REGEX
            + ") || !self.max.matches("
            + Durations.REGEX
            + ") || duration(self.max) >= duration(self.min)",
    message = "max must not be shorter than min",
    fieldPath = ".max")
public class RetryAfterPolicy {

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @Default("0s")
  @JsonPropertyDescription("The shortest wait a hint may ask for (default 0s).")
  private String min;

  @Required
  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription("The longest wait a hint may ask for; a longer hint waits this long.")
  private String max;

  public String getMin() {
    return min;
  }

  public void setMin(String min) {
    this.min = min;
  }

  public String getMax() {
    return max;
  }

  public void setMax(String max) {
    this.max = max;
  }
}
