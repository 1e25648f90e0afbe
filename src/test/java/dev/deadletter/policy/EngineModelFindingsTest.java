package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.api.v1alpha1.TaskSource;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.Rules;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Engine bugs that {@link RetryEngineModelTest} found (the last one was found while reading the
 * code for it), each as the smallest story that shows it.
 */
class EngineModelFindingsTest {

  private static final Duration RUNTIME = Duration.ofSeconds(30);
  private static final String QUOTA = "exceeded quota: jobs, requested: count/jobs.batch=1";

  @Test
  void aRefusedCreateOfARequestedRetryKeepsItsStatusAndIsTriedAgainAtTheRefusalsNextTry() {
    // Before: the next look showed BackingOff until the end of the backoff the request had
    // skipped (a second status write and a BackingOff event), and the create waited for it.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10m", 2, "1h", 0));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1));
    run.decide(); // backing off until 0:10:30
    run.refuseCreates("JobForbidden", QUOTA);
    run.requestRetry("now-please");

    Decision refused = run.after(Duration.ofSeconds(5)).decide();
    Decision again = run.decideAgain();

    assertThat(refused.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(again.status()).isEqualTo(refused.status());
    assertThat(again.events()).isEmpty();
    assertThat(again.action()).isEqualTo(refused.action());

    run.refuseCreates(null, null);
    Decision started = run.at(((WaitUntil) refused.action()).when()).decide();

    assertThat(started.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
  }

  @Test
  void aFailureChargedToARuleStartsNoAttemptOnceALoweredMaxAttemptsIsSpent() {
    // Before: only the rule's budget was checked after its failure, so attempt 3 started as
    // counted attempt 2 of a maxAttempts lowered to 1.
    RetryRule flaky = Rules.onExitCodes(RetryAction.Retry, In, 3);
    flaky.setName("flaky");
    flaky.setMaxAttempts(2);
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("1s", 2, "1m", 0).rules(flaky));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1)); // counted: 1 of 3
    run.at(((WaitUntil) run.decide().action()).when()).decide();
    run.task().getSpec().getRetryPolicy().setMaxAttempts(1);
    run.task().getMetadata().setGeneration(2L);
    run.after(RUNTIME).fail(2, exitCode(3)); // charged to flaky: 1 of 2

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getAttempts()).isEqualTo(2);
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(d.status().getDeadLetter().getReason()).isEqualTo(DeadLetterReason.RetriesExhausted);
  }

  @Test
  void aJobALaggingCacheHidFromTheDeadLetteringPassDoesNotLiftTheDeadLetter() {
    // Before: the next pass took attempt 2 for a redrive's and opened round 2 without one.
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(3).backoff("30s", 2, "10m", 0).maxRetryDuration("3m"));
    run.decide();
    run.after(Duration.ofSeconds(90)).fail(1, exitCode(1));
    run.decide(); // backing off until 0:02:00
    run.loseNextStatusWrite();
    assertThat(run.at(T0.plusSeconds(120)).decide().action()).isInstanceOf(StartAttempt.class);
    run.lagging(Set.of(2));
    Decision deadLettered = run.after(Duration.ofMinutes(5)).decide(); // no attempt 2 in sight
    assertThat(deadLettered.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetryDurationExceeded);
    run.lagging(Set.of());

    Decision running = run.decide();
    run.after(RUNTIME).fail(2, exitCode(1));
    Decision failed = run.decide();

    for (Decision d : new Decision[] {running, failed}) {
      assertThat(d.action()).isEqualTo(new Idle());
      assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
      assertThat(d.status().getDeadLetter()).isEqualTo(deadLettered.status().getDeadLetter());
      assertThat(d.status().getRound().getNumber()).isEqualTo(1);
      assertThat(d.status().getAttempts()).isEqualTo(2);
      assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(2);
    }
    assertThat(failed.status().getHistory())
        .extracting(AttemptRecord::getAttempt)
        .containsExactly(1, 2);
  }

  @Test
  void norDoesThatJobsSuccessOnlyARedriveLeavesDeadLettered() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("30s", 2, "10m", 0));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.loseNextStatusWrite();
    run.after(Duration.ofMinutes(1)).decide(); // creates attempt 2, its status write is lost
    run.lagging(Set.of(2));
    run.task().getSpec().getRetryPolicy().setMaxAttempts(1);
    run.task().getMetadata().setGeneration(2L);
    Decision deadLettered = run.decide(); // no attempt 2 in sight: 1 of 1 spent
    run.lagging(Set.of());
    run.after(RUNTIME).succeed(2);

    Decision d = run.decide();

    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.status().getDeadLetter()).isEqualTo(deadLettered.status().getDeadLetter());
    assertThat(d.status().getHistory())
        .extracting(AttemptRecord::getAttempt, AttemptRecord::getOutcome)
        .containsExactly(tuple(1, Outcome.Failed), tuple(2, Outcome.Succeeded));
    run.requestRetry("redrive-1");
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(3, null, null));
  }

  @Test
  void aDeletedAttemptIsRecordedWhenThePassThatSawItLostItsWriteAndTheNextAdoptsItsRetry() {
    // Before: the next pass adopted attempt 2 and never recorded attempt 1: a gap in history.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(Duration.ofMinutes(1)).deleteJob(1);
    run.requestRetry("now-please");
    run.loseNextStatusWrite();
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(2, null, "JobDeleted"));

    Decision d = run.after(Duration.ofSeconds(5)).decide();

    assertThat(d.status().getAttempts()).isEqualTo(2);
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getHistory())
        .extracting(AttemptRecord::getAttempt, AttemptRecord::getReason)
        .containsExactly(tuple(1, FailureDetails.JOB_DELETED));
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(2);
  }

  @Test
  void aRedriveThatEndedARoundInItsOwnPassKeepsItsFreshRoundWhenItsStatusWriteIsLost() {
    // Before: attempt 3 was adopted into the spent round 1 (counted 3 of 2) and, once it failed,
    // dead-lettered it again: the redrive got one attempt instead of a round.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1));
    run.at(((WaitUntil) run.decide().action()).when()).decide();
    run.after(RUNTIME).fail(2, exitCode(1));
    run.requestRetry("redrive-1");
    run.loseNextStatusWrite();
    Decision redriven = run.decide(); // round 1 spent, the request redrives: attempt 3, round 2
    assertThat(redriven.action()).isEqualTo(new StartAttempt(3, 1, "Error"));

    Decision adopted = run.after(Duration.ofSeconds(1)).decide();

    assertThat(adopted.status().getAttempts()).isEqualTo(3);
    assertThat(adopted.status().getRound()).isEqualTo(redriven.status().getRound());
    assertThat(adopted.status().getLastHandledRetryRequest()).isEqualTo("redrive-1");
    assertThat(adopted.status().getPhase()).isEqualTo(TaskPhase.Running);
    run.after(RUNTIME).fail(3, exitCode(1));
    assertThat(run.decide().status().getPhase())
        .as("attempt 1 of 2 of round 2 failed")
        .isEqualTo(TaskPhase.BackingOff);
  }

  @Test
  void soDoesARedriveAfterAnAttemptWhoseStartWasLostToo() {
    // Before: only the status's latest attempt was judged, so attempt 3 joined the spent round 1.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(RUNTIME).fail(1, exitCode(1));
    run.after(Duration.ofSeconds(10)).loseNextStatusWrite();
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    run.after(RUNTIME).fail(2, exitCode(1));
    run.requestRetry("redrive-1");
    run.loseNextStatusWrite();
    Decision redriven = run.decide(); // adopts 2, whose failure spends round 1: a redrive
    assertThat(redriven.action()).isEqualTo(new StartAttempt(3, 1, "Error"));

    Decision adopted = run.after(Duration.ofSeconds(1)).decide();

    assertThat(adopted.status().getAttempts()).isEqualTo(3);
    assertThat(adopted.status().getRound()).isEqualTo(redriven.status().getRound());
    assertThat(adopted.status().getLastHandledRetryRequest()).isEqualTo("redrive-1");
    assertThat(adopted.status().getHistory())
        .extracting(AttemptRecord::getAttempt)
        .containsExactly(1, 2);
  }

  @Test
  void aCapturedFailureReachesTheHistoryWhenTheFirstAttemptsStatusWriteIsLost() {
    // Before: the next pass adopted attempt 1 first, and attempt 0 was recorded only while the
    // status had no attempt: the captured failure never reached the history.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0));
    TaskSource source = new TaskSource();
    source.setKind("Job");
    source.setName("nightly-29");
    source.setFailedAt(T0.minusSeconds(60).toString());
    source.setReason("Error");
    source.setExitCode(2);
    run.task().getSpec().setSource(source);
    run.loseNextStatusWrite();
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(1, 2, "Error"));

    Decision d = run.after(Duration.ofSeconds(5)).decide();

    assertThat(d.status().getAttempts()).isEqualTo(1);
    assertThat(d.status().getHistory())
        .extracting(AttemptRecord::getAttempt, AttemptRecord::getJob)
        .containsExactly(tuple(0, "nightly-29"));
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(1);
  }
}
