package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.NotIn;
import static dev.deadletter.api.v1alpha1.RetryAction.DeadLetter;
import static dev.deadletter.api.v1alpha1.RetryAction.Retry;
import static dev.deadletter.api.v1alpha1.RetryAction.RetryWithoutCounting;
import static dev.deadletter.policy.Tasks.exitCode;
import static dev.deadletter.policy.Tasks.reason;
import static dev.deadletter.testing.Rules.onExitCodes;
import static dev.deadletter.testing.Rules.onExitCodesOf;
import static dev.deadletter.testing.Rules.onPodCondition;
import static dev.deadletter.testing.Rules.onReasons;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.RetryRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailureClassifierTest {

  @Test
  void firstMatchingRuleWins() {
    List<RetryRule> rules =
        List.of(
            onExitCodes(DeadLetter, In, 2),
            onExitCodes(RetryWithoutCounting, In, 1),
            onExitCodes(DeadLetter, In, 1));

    assertThat(FailureClassifier.classify(rules, exitCode(1)))
        .isEqualTo(new Classification(RetryWithoutCounting, 1));
    assertThat(FailureClassifier.classify(rules, exitCode(2)))
        .isEqualTo(new Classification(DeadLetter, 0));
  }

  @Test
  void noMatchingRuleMeansRetryWithoutARuleIndex() {
    Classification c =
        FailureClassifier.classify(List.of(onExitCodes(DeadLetter, In, 2)), exitCode(1));

    assertThat(c).isEqualTo(new Classification(Retry, null));
    assertThat(c.describe()).isEqualTo("no rule matched");
    assertThat(FailureClassifier.classify(List.of(), exitCode(1)).action()).isEqualTo(Retry);
  }

  @Test
  void inMatchesAnyListedExitCode() {
    RetryRule rule = onExitCodes(DeadLetter, In, 2, 3, 42);

    assertThat(FailureClassifier.matches(rule, exitCode(42))).isTrue();
    assertThat(FailureClassifier.matches(rule, exitCode(1))).isFalse();
    assertThat(FailureClassifier.matches(rule, reason("Evicted")))
        .isFalse(); // no container terminated
  }

  @Test
  void notInMatchesOnlyFailedContainersWithUnlistedCodes() {
    RetryRule rule = onExitCodes(DeadLetter, NotIn, 1, 2);

    assertThat(FailureClassifier.matches(rule, exitCode(3))).isTrue();
    assertThat(FailureClassifier.matches(rule, exitCode(1))).isFalse();
    // a container that exited 0 did not fail, so it is no evidence for NotIn
    assertThat(FailureClassifier.matches(rule, failure(Map.of("main", 0)))).isFalse();
  }

  @Test
  void containerNameRestrictsWhichExitCodesAreLookedAt() {
    FailureDetails sidecarKilled = failure(Map.of("main", 1, "sidecar", 137));

    assertThat(FailureClassifier.matches(onExitCodesOf("main", DeadLetter, In, 137), sidecarKilled))
        .isFalse();
    assertThat(
            FailureClassifier.matches(onExitCodesOf("sidecar", DeadLetter, In, 137), sidecarKilled))
        .isTrue();
    assertThat(FailureClassifier.matches(onExitCodesOf("", DeadLetter, In, 137), sidecarKilled))
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"OOMKilled", "Evicted", "DeadlineExceeded"})
  void onReasonsMatchesAnyReasonOfTheFailure(String why) {
    RetryRule rule = onReasons(RetryWithoutCounting, why);
    FailureDetails failure =
        new FailureDetails(
            Map.of("main", 137), List.of(why, "BackoffLimitExceeded"), List.of(), 137, null, null);

    assertThat(FailureClassifier.classify(List.of(rule), failure))
        .isEqualTo(new Classification(RetryWithoutCounting, 0));
    assertThat(FailureClassifier.matches(rule, exitCode(1))).isFalse();
  }

  @Test
  void onReasonsMatchesADeletedJob() {
    RetryRule rule = onReasons(DeadLetter, FailureDetails.JOB_DELETED);

    assertThat(FailureClassifier.classify(List.of(rule), FailureDetails.jobDeleted()).action())
        .isEqualTo(DeadLetter);
  }

  @Test
  void onPodConditionsDefaultsToStatusTrue() {
    FailureDetails disrupted =
        new FailureDetails(
            Map.of(),
            List.of("Evicted"),
            List.of("Ready=False", "DisruptionTarget=True"),
            null,
            null,
            null);

    assertThat(
            FailureClassifier.matches(
                onPodCondition(RetryWithoutCounting, "DisruptionTarget", null), disrupted))
        .isTrue();
    assertThat(
            FailureClassifier.matches(
                onPodCondition(RetryWithoutCounting, "DisruptionTarget", "False"), disrupted))
        .isFalse();
    assertThat(
            FailureClassifier.matches(
                onPodCondition(RetryWithoutCounting, "Ready", "False"), disrupted))
        .isTrue();
    assertThat(
            FailureClassifier.matches(
                onPodCondition(RetryWithoutCounting, "DisruptionTarget", null), exitCode(1)))
        .isFalse();
  }

  private static FailureDetails failure(Map<String, Integer> exitCodes) {
    return new FailureDetails(exitCodes, List.of("Error"), List.of(), null, null, null);
  }
}
