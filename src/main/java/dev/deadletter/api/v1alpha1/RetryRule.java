package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One failure rule: a matcher and the action taken when it matches. */
@ValidationRule(
    value =
        "(has(self.onExitCodes) ? 1 : 0) + (has(self.onReasons) ? 1 : 0)"
            + " + (has(self.onPodConditions) ? 1 : 0) == 1",
    message = "a rule needs exactly one of onExitCodes, onReasons, onPodConditions")
@ValidationRule(
    value = "self.action != 'DeadLetter' || (!has(self.maxAttempts) && !has(self.backoff))",
    message = "a DeadLetter rule stops at its first match: it takes no maxAttempts or backoff")
@ValidationRule(
    value = "self.action != 'DeadLetter' || !has(self.mutate)",
    message = "a DeadLetter rule starts no next attempt: it takes no mutate")
public class RetryRule {

  /** The own budget of a RetryWithoutCounting rule that sets none: never unbounded. */
  public static final int DEFAULT_UNCOUNTED_MAX_ATTEMPTS = 10;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 63)
  @JsonPropertyDescription(
      "Optional name, unique among the rules: status.round.ruleFailures counts this rule's"
          + " failures under it (under rules[i] when unnamed, which moves if rules are reordered).")
  private String name;

  @Required
  @JsonPropertyDescription("Retry, RetryWithoutCounting or DeadLetter.")
  private RetryAction action;

  @JsonPropertyDescription("Matches the exit code of a terminated container of the attempt's pod.")
  private ExitCodeMatcher onExitCodes;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Matches when the attempt failed for one of these reasons: a container's terminated reason"
          + " (OOMKilled, Error, ...), the pod's status.reason (Evicted, ...), or the Job's failure reason"
          + " (DeadlineExceeded, BackoffLimitExceeded, PodFailurePolicy, ...), or JobDeleted.")
  private List<@Size(min = 1, max = 128) String> onReasons;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Matches when the attempt's pod had one of these conditions, e.g. DisruptionTarget=True.")
  private List<PodConditionMatcher> onPodConditions;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "This rule's own budget: the round is dead-lettered (RuleBudgetExhausted) when this many of"
          + " its failures have been seen. Failures it matches are charged to it instead of"
          + " retryPolicy.maxAttempts. Default: none for Retry (the policy's budget applies), "
          + DEFAULT_UNCOUNTED_MAX_ATTEMPTS
          + " for RetryWithoutCounting.")
  private Integer maxAttempts;

  @JsonPropertyDescription(
      "The wait after a failure this rule matched, instead of retryPolicy.backoff; it grows with"
          + " this rule's own count of failures. RetryWithoutCounting without it uses"
          + " retryPolicy.backoff, also by its own count. Each field it leaves out is"
          + " retryPolicy.backoff's.")
  @SchemaFrom(type = RuleBackoffSchema.class)
  private BackoffPolicy backoff;

  @JsonPropertyDescription(
      "What changes in the next attempts after failures this rule matched: grown resources,"
          + " avoided nodes, a longer deadline. Computed from spec.jobTemplate by this rule's count"
          + " in status.round.ruleFailures; the mutations of every rule that matched a failure of"
          + " the round apply together.")
  private RuleMutation mutate;

  public RuleMutation getMutate() {
    return mutate;
  }

  public void setMutate(RuleMutation mutate) {
    this.mutate = mutate;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
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

  public RetryAction getAction() {
    return action;
  }

  public void setAction(RetryAction action) {
    this.action = action;
  }

  public ExitCodeMatcher getOnExitCodes() {
    return onExitCodes;
  }

  public void setOnExitCodes(ExitCodeMatcher onExitCodes) {
    this.onExitCodes = onExitCodes;
  }

  public List<String> getOnReasons() {
    return onReasons;
  }

  public void setOnReasons(List<String> onReasons) {
    this.onReasons = onReasons;
  }

  public List<PodConditionMatcher> getOnPodConditions() {
    return onPodConditions;
  }

  public void setOnPodConditions(List<PodConditionMatcher> onPodConditions) {
    this.onPodConditions = onPodConditions;
  }
}
