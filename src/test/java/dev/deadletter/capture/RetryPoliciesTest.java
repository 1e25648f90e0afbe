package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPoliciesTest {

  @Test
  void readsYamlFlowStyleAndJson() {
    assertThat(
            RetryPolicies.parse("{maxAttempts: 2, backoff: {initialDelay: 1s}}").getMaxAttempts())
        .isEqualTo(2);
    assertThat(RetryPolicies.parse("{\"maxAttempts\": 4}").getMaxAttempts()).isEqualTo(4);
    assertThat(RetryPolicies.parse("maxAttempts: 5\nattemptTimeout: 10m\n").getAttemptTimeout())
        .isEqualTo("10m");
  }

  @Test
  void misspelledOrMalformedPolicyIsAnErrorThatSaysWhy() {
    assertThatThrownBy(() -> RetryPolicies.parse("{maxAtempts: 2}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAtempts");
    assertThatThrownBy(() -> RetryPolicies.parse("{maxAttempts: two}"))
        .hasMessageContaining("not a retry policy");
    assertThatThrownBy(() -> RetryPolicies.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{maxAttempts: 0} | retryPolicy.maxAttempts: must be at least 1",
        "{maxAttempts: 1001} | retryPolicy.maxAttempts: must be at most 1000",
        "{backoff: {jitter: 1.5}} | retryPolicy.backoff.jitter: must be at most 1",
        "{backoff: {initialDelay: '10'}} | retryPolicy.backoff.initialDelay: not a duration (expected e.g."
            + " 90s, 5m, 1h30m): 10",
        "{attemptTimeout: 9999999h} | retryPolicy.attemptTimeout: 9999999h is longer than the"
            + " maximum 8760h0m0s",
        "{maxRetryDuration: 8761h} | retryPolicy.maxRetryDuration: 8761h is longer than the maximum",
        "{backoff: {initialDelay: 1m, maxDelay: 10s}} | retryPolicy.backoff.maxDelay must not be"
            + " shorter than initialDelay",
        "{rules: [{onReasons: [Evicted]}]} | retryPolicy.rules[0].action: required",
        "{rules: [{action: Retry, onReasons: ['']}]} | retryPolicy.rules[0].onReasons[0]: must have"
            + " at least 1 characters",
        "{rules: [{action: Retry, onExitCodes: {operator: In, values: []}}]} |"
            + " retryPolicy.rules[0].onExitCodes.values: must have at least 1 items",
      })
  void checkHoldsAPolicyToTheRulesOfATasksPolicy(String policy, String problem) {
    assertThatThrownBy(() -> RetryPolicies.check(RetryPolicies.parse(policy)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void checkAcceptsThePoliciesOfTheExamples() throws IOException {
    List<Path> files;
    try (Stream<Path> all = Files.list(Path.of("examples"))) {
      files = all.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    int checked = 0;
    for (Path file : files) {
      RetryPolicy policy =
          Serialization.unmarshal(Files.readString(file), DeadLetterTask.class)
              .getSpec()
              .getRetryPolicy();
      if (policy != null) {
        assertThat(RetryPolicies.check(policy)).as("%s", file).isSameAs(policy);
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(3);
  }
}
