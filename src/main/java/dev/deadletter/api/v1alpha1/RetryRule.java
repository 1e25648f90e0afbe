package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
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
public class RetryRule {

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
