package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

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
}
