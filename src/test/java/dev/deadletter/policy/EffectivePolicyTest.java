package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.TaskSource;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a task stored before the CRD's rules existed (or on a server without them) gets from the
 * operator: an error naming the field, which the decider reports as Stalled / InvalidSpec.
 */
class EffectivePolicyTest {

  static Stream<Arguments> durationFields() {
    return Stream.of(
        field("retryPolicy.attemptTimeout", (s, v) -> s.getRetryPolicy().setAttemptTimeout(v)),
        field("retryPolicy.maxRetryDuration", (s, v) -> s.getRetryPolicy().setMaxRetryDuration(v)),
        field(
            "retryPolicy.backoff.initialDelay",
            (s, v) -> s.getRetryPolicy().getBackoff().setInitialDelay(v)),
        field(
            "retryPolicy.backoff.maxDelay",
            (s, v) -> s.getRetryPolicy().getBackoff().setMaxDelay(v)),
        field("ttlAfterSucceeded", DeadLetterTaskSpec::setTtlAfterSucceeded));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("durationFields")
  void everyDurationIsAtMostAYear(String name, BiConsumer<DeadLetterTaskSpec, String> set) {
    DeadLetterTaskSpec atMost = spec();
    set.accept(atMost, "8760h");
    DeadLetterTaskSpec above = spec();
    set.accept(above, "8761h");

    EffectivePolicy.of(atMost); // accepted
    assertThatThrownBy(() -> EffectivePolicy.of(above))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(name + ": 8761h is longer than the maximum 8760h");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("durationFields")
  void aDurationThatOverflowedIsAnErrorNamingTheField(
      String name, BiConsumer<DeadLetterTaskSpec, String> set) {
    DeadLetterTaskSpec spec = spec();
    set.accept(spec, "9999999h");

    assertThatThrownBy(() -> EffectivePolicy.of(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(name + ": 9999999h is longer than the maximum");
  }

  @Test
  void theLongestDurationsAreKeptExactly() {
    DeadLetterTaskSpec spec = spec();
    spec.getRetryPolicy().setAttemptTimeout("8760h");
    spec.setTtlAfterSucceeded("8760h");

    EffectivePolicy policy = EffectivePolicy.of(spec);

    assertThat(policy.attemptTimeout()).contains(Duration.ofDays(365));
    assertThat(policy.ttlAfterSucceeded()).contains(Duration.ofDays(365));
  }

  @Test
  void aSourceFailureTimeThatIsNotADateTimeIsAnErrorNamingTheField() {
    DeadLetterTaskSpec spec = spec();
    spec.setSource(new TaskSource());
    spec.getSource().setFailedAt("2030-01-01T00:00:00Z");
    EffectivePolicy.of(spec); // accepted

    spec.getSource().setFailedAt("yesterday");

    assertThatThrownBy(() -> EffectivePolicy.of(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("source.failedAt: not an RFC 3339 date-time");
  }

  private static DeadLetterTaskSpec spec() {
    DeadLetterTaskSpec spec = Tasks.task().delays("1s", "1s").build().getSpec();
    spec.getRetryPolicy().getBackoff().setMaxDelay(null);
    return spec;
  }

  private static Arguments field(String name, BiConsumer<DeadLetterTaskSpec, String> set) {
    return Arguments.of(name, set);
  }
}
