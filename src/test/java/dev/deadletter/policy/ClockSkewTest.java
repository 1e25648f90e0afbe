package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failure times come from the control plane's clock (the Job's Failed condition), waits from the
 * operator's. A skew of either sign may move a retry by at most the skew, never more, and a control
 * plane ahead of the operator delays nothing.
 */
class ClockSkewTest {

  private static final Duration BACKOFF = Duration.ofSeconds(10);

  /**
   * @param skewSeconds how far the control plane's clock is ahead of the operator's (negative:
   *     behind)
   */
  @ParameterizedTest
  @ValueSource(longs = {-3600, -30, -1, 0, 1, 30, 3600})
  void aRetryStartsNoEarlierThanTheSkewAllowsAndNeverLateBecauseOfIt(long skewSeconds) {
    Duration skew = Duration.ofSeconds(skewSeconds);
    Instant start = T0;
    Instant failedReally = T0.plusSeconds(30); // on the operator's clock
    Instant seenAt = failedReally.plusMillis(200); // the watch event's latency
    var task = Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0).build();
    Decision first = RetryDecider.decide(task, Map.of(), start);
    task.setStatus(first.status());
    Map<Integer, ObservedAttempt> failed =
        Map.of(1, Tasks.failed(1, start.plus(skew), failedReally.plus(skew), exitCode(1)));

    Decision seen = RetryDecider.decide(task, failed, seenAt);
    task.setStatus(seen.status());

    Instant due =
        seen.action() instanceof WaitUntil w ? w.when() : seenAt; // a start now: due already
    Instant onTime = failedReally.plus(BACKOFF);
    assertThat(Duration.between(onTime, due).abs())
        .as("moved by at most the skew (and the watch latency)")
        .isLessThanOrEqualTo(skew.abs().plusMillis(200));
    if (skewSeconds >= 0) {
      assertThat(due)
          .as("a control plane ahead delays nothing beyond the watch latency")
          .isBetween(onTime, onTime.plusMillis(200));
    }
    if (seen.action() instanceof WaitUntil) {
      assertThat(RetryDecider.decide(task, failed, due.minusMillis(1)).action())
          .isInstanceOf(WaitUntil.class);
      assertThat(RetryDecider.decide(task, failed, due).action())
          .isEqualTo(new StartAttempt(2, 1, "Error"));
    } else {
      assertThat(seen.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    }
  }
}
