package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Attempt limit, backoff, deadlines and which failures are retried. */
@ValidationRule(
    value =
        "!has(self.rules) || self.rules.all(r, !has(r.name)"
            + " || self.rules.exists_one(o, has(o.name) && o.name == r.name))",
    message = "rule names must be unique",
    fieldPath = ".rules")
public class RetryPolicy {

  /** The schema default; EffectivePolicy's must be the same (a test compares them). */
  public static final String DEFAULT_MAX_ATTEMPTS = "3";

  @Min(1)
  @Max(1000)
  @Default(RetryPolicy.DEFAULT_MAX_ATTEMPTS)
  @JsonPropertyDescription(
      "Total attempts including the first (default 3). Attempts whose failure matched a"
          + " RetryWithoutCounting rule are not counted.")
  private Integer maxAttempts;

  @Default("{}")
  @JsonPropertyDescription("The wait between a failed attempt and the next one.")
  private BackoffPolicy backoff;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "Per-attempt deadline (e.g. 10m, at most "
          + Durations.MAX
          + "). Becomes the Job's activeDeadlineSeconds unless the template sets one;"
          + " an attempt that runs out fails with reason DeadlineExceeded.")
  private String attemptTimeout;

  @Size(max = Durations.MAX_LENGTH)
  @ValidationRule(value = Durations.FORMAT_RULE, message = Durations.FORMAT_MESSAGE)
  @ValidationRule(value = Durations.MAX_RULE, message = Durations.MAX_MESSAGE)
  @JsonPropertyDescription(
      "No new attempt starts later than this after the first attempt of the round started (e.g. 2h,"
          + " at most "
          + Durations.MAX
          + ")."
          + " A retry that would start later dead-letters the task instead.")
  private String maxRetryDuration;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Ordered failure rules; the first that matches a failed attempt decides its action."
          + " When no rule matches, the failure is retried (Retry).")
  private List<RetryRule> rules;

  @JsonPropertyDescription(
      "Stop a round early when its attempts keep failing the same way (reason PoisonDetected).")
  private PoisonPolicy poison;

  @JsonPropertyDescription(
      "Honour a wait the workload asks for: a termination message whose last line is"
          + " 'retry-after: <duration>' (e.g. retry-after: 90s) sets the wait before the next"
          + " attempt, clamped to [min, max], instead of the backoff. A hint that does not parse is"
          + " ignored and recorded as ignored in the history.")
  private RetryAfterPolicy honorRetryAfter;

  @Size(max = 10)
  @ValidationRule(
      value = "self.all(g, self.exists_one(o, o.kind == g.kind && o.name == g.name))",
      message = "gates must name different objects")
  @JsonPropertyDescription(
      "Dependencies a retry waits for: before attempt 2 or later of a round starts, every gate"
          + " must hold (its object exists and has the condition). Waiting spends no attempt; the"
          + " first attempt of a round does not wait.")
  private List<RetryGate> gates;

  public PoisonPolicy getPoison() {
    return poison;
  }

  public void setPoison(PoisonPolicy poison) {
    this.poison = poison;
  }

  public RetryAfterPolicy getHonorRetryAfter() {
    return honorRetryAfter;
  }

  public void setHonorRetryAfter(RetryAfterPolicy honorRetryAfter) {
    this.honorRetryAfter = honorRetryAfter;
  }

  public List<RetryGate> getGates() {
    return gates;
  }

  public void setGates(List<RetryGate> gates) {
    this.gates = gates;
  }

  public Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public BackoffPolicy getBackoff() {
    return backoff;
  }

  public void setBackoff(BackoffPolicy backoff) {
    this.backoff = backoff;
  }

  public String getAttemptTimeout() {
    return attemptTimeout;
  }

  public void setAttemptTimeout(String attemptTimeout) {
    this.attemptTimeout = attemptTimeout;
  }

  public String getMaxRetryDuration() {
    return maxRetryDuration;
  }

  public void setMaxRetryDuration(String maxRetryDuration) {
    this.maxRetryDuration = maxRetryDuration;
  }

  public List<RetryRule> getRules() {
    return rules;
  }

  public void setRules(List<RetryRule> rules) {
    this.rules = rules;
  }
}
