package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.PoisonPolicy;
import dev.deadletter.api.v1alpha1.RetryAfterPolicy;
import dev.deadletter.api.v1alpha1.RetryAfterRecord;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Poison detection (K identical failures in a row end the round early) and the workload's own
 * retry-after hint (clamped, recorded, ignored when it does not parse).
 */
class PoisonAndRetryAfterTest {

  private static final Duration RUNTIME = Duration.ofSeconds(30);

  private static FailureDetails failure(int code, String message) {
    return new FailureDetails(
        Map.of(Tasks.CONTAINER, code), List.of("Error"), List.of(), code, message, Tasks.NODE);
  }

  private static TaskRun poisonAfter(int k, int maxAttempts) {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(maxAttempts).backoff("1s", 2, "1m", 0));
    PoisonPolicy poison = new PoisonPolicy();
    poison.setConsecutiveIdenticalFailures(k);
    run.task().getSpec().getRetryPolicy().setPoison(poison);
    return run;
  }

  private static TaskRun honouring(String min, String max) {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(5).backoff("10s", 2, "10m", 0));
    RetryAfterPolicy honour = new RetryAfterPolicy();
    honour.setMin(min);
    honour.setMax(max);
    run.task().getSpec().getRetryPolicy().setHonorRetryAfter(honour);
    return run;
  }

  /** Starts and fails the next attempt with {@code failure}; returns the pass that saw it. */
  private static Decision failNext(TaskRun run, FailureDetails failure) {
    int next = run.status() == null ? 1 : run.status().getAttempts() + 1;
    if (run.status() != null && run.status().getPhase() == TaskPhase.BackingOff) {
      run.at(Timestamps.parse(run.status().getNextAttemptAt()));
    }
    run.decide();
    run.after(RUNTIME).fail(next, failure);
    return run.decide();
  }

  @Test
  void theSameFailureKTimesInARowDeadLettersTheTaskEarly() {
    TaskRun run = poisonAfter(3, 10);

    failNext(run, failure(1, "no such table: orders"));
    failNext(run, failure(1, "no such table: orders"));
    Decision third = failNext(run, failure(1, "no such table: orders"));

    assertThat(third.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(third.status().getAttempts()).as("not the whole budget of 10").isEqualTo(3);
    assertThat(third.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.PoisonDetected);
    assertThat(Tasks.condition(third.status(), TaskConditions.DEAD_LETTERED).getReason())
        .isEqualTo("PoisonDetected");
    assertThat(third.events())
        .filteredOn(e -> e.reason().equals(TaskEvent.DEAD_LETTERED))
        .singleElement()
        .satisfies(e -> assertThat(e.message()).startsWith("PoisonDetected: the last 3 failures"));
    assertThat(third.status().getHistory())
        .extracting(AttemptRecord::getFingerprint)
        .hasSize(3)
        .doesNotContainNull()
        .containsOnly(third.status().getHistory().get(0).getFingerprint());
  }

  @Test
  void failuresThatDifferInExitCodeOrMessageAreNotPoison() {
    TaskRun run = poisonAfter(2, 4);

    failNext(run, failure(1, "timeout talking to db-1"));
    failNext(run, failure(1, "timeout talking to db-2"));
    failNext(run, failure(2, "timeout talking to db-2"));
    Decision last = failNext(run, failure(1, "timeout talking to db-2"));

    assertThat(last.status().getAttempts()).isEqualTo(4);
    assertThat(last.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetriesExhausted);
  }

  @Test
  void poisonCountsOnlyTheFailuresOfTheCurrentRound() {
    TaskRun run = poisonAfter(2, 1);
    failNext(run, failure(1, "bad input"));
    assertThat(run.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetriesExhausted);
    run.requestRetry("after-fix");
    run.after(Duration.ofMinutes(1));

    Decision redriven = failNext(run, failure(1, "bad input"));

    assertThat(redriven.status().getDeadLetter().getReason())
        .as("one identical failure in round 2 is not two in a row")
        .isEqualTo(DeadLetterReason.RetriesExhausted);
  }

  @Test
  void aRetryAfterHintSetsTheWaitClampedToTheBounds() {
    TaskRun run = honouring("5s", "1m");

    Decision tooLong = failNext(run, failure(75, "rate limited by the API\nretry-after: 90s\n"));

    assertThat(tooLong.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(60)));
    assertThat(tooLong.chosenDelay()).isEqualTo(Duration.ofSeconds(60));
    assertThat(tooLong.status().getHistory().get(0).getRetryAfter())
        .isEqualTo(new RetryAfterRecord("90s", "1m0s", null));

    Decision tooShort = failNext(run, failure(75, "retry-after: 2"));

    assertThat(tooShort.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(5)));
    assertThat(tooShort.status().getHistory().get(1).getRetryAfter().getDelay()).isEqualTo("5s");
  }

  @Test
  void aHintAtTheEndOfALongMessageIsStillRead() {
    TaskRun run = honouring("0s", "10m");
    String longLog = "x".repeat(2000) + "\nretry-after: 3m";

    Decision d = failNext(run, failure(75, longLog));

    assertThat(d.status().getHistory().get(0).getMessage()).hasSizeLessThan(300);
    assertThat(d.action()).isEqualTo(new WaitUntil(run.now().plus(Duration.ofMinutes(3))));
  }

  @Test
  void editingTheBoundsAfterTheFailureDoesNotMoveItsWait() {
    TaskRun run = honouring("0s", "1m");
    Decision seen = failNext(run, failure(75, "retry-after: 50s"));
    Instant due = ((WaitUntil) seen.action()).when();

    run.task().getSpec().getRetryPolicy().getHonorRetryAfter().setMax("10s");
    run.task().getMetadata().setGeneration(2L);
    Decision edited = run.after(Duration.ofSeconds(20)).decide();

    assertThat(edited.action()).as("recorded when it happened").isEqualTo(new WaitUntil(due));
    assertThat(edited.status().getHistory().get(0).getRetryAfter().getDelay()).isEqualTo("50s");
  }

  @Test
  void aHintThatDoesNotParseIsIgnoredAndRecordedAsIgnored() {
    TaskRun run = honouring("0s", "10m");

    Decision d = failNext(run, failure(75, "retry-after: soon"));

    assertThat(d.action()).as("the backoff").isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    RetryAfterRecord hint = d.status().getHistory().get(0).getRetryAfter();
    assertThat(hint.getHint()).isEqualTo("soon");
    assertThat(hint.getDelay()).isNull();
    assertThat(hint.getIgnored()).startsWith("not a duration");
  }

  @Test
  void withoutHonorRetryAfterAHintIsRecordedButTheBackoffCounts() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));

    Decision d = failNext(run, failure(75, "retry-after: 5m"));

    assertThat(d.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(d.status().getHistory().get(0).getRetryAfter().getIgnored())
        .contains("honorRetryAfter is not set");
  }

  @Test
  void aFailureWithoutAHintKeepsTheBackoff() {
    TaskRun run = honouring("0s", "10m");

    Decision d = failNext(run, exitCode(1));

    assertThat(d.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(d.status().getHistory().get(0).getRetryAfter()).isNull();
  }
}
