package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.condition;
import static dev.deadletter.policy.Tasks.exitCode;
import static dev.deadletter.policy.Tasks.jobName;
import static dev.deadletter.policy.Tasks.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.api.v1alpha1.TaskSource;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.Rules;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryDeciderTest {

  private static final Duration ATTEMPT_RUNTIME = Duration.ofSeconds(30);

  /** Three attempts, 10s doubling up to 10m, no jitter: every wait is exact. */
  private static TaskBuilder threeAttempts() {
    return Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0);
  }

  // --- the happy and unhappy paths ---

  @Test
  void firstPassStartsAttemptOne() {
    TaskRun run = TaskRun.of(threeAttempts());

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(1, null, null));
    DeadLetterTaskStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(s.getAttempts()).isEqualTo(1);
    assertThat(s.getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(s.getActiveJob()).isEqualTo("nightly-export-1");
    assertThat(s.getRound().getStartedAt()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(s.getNextAttemptAt()).isNull();
    assertThat(condition(s, TaskConditions.RECONCILING).getStatus()).isEqualTo("True");
    assertThat(condition(s, TaskConditions.READY).getStatus()).isEqualTo("False");
    assertThat(condition(s, TaskConditions.STALLED).getStatus()).isEqualTo("False");
  }

  @Test
  void runningAttemptLeavesNothingToDo() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();

    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getActiveJob()).isEqualTo(jobName(1));
    assertThat(d.status().getAttempts()).isEqualTo(1);
    assertThat(d.events()).isEmpty();
  }

  @Test
  void blockedAttemptSaysWhyInStatusAndOneWarningUntilTheReasonChanges() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.block(1, "its pods cannot be created: serviceaccount \"runner\" not found");

    Decision blocked = run.after(Duration.ofSeconds(15)).decide();
    Decision again = run.after(Duration.ofSeconds(30)).decide();
    run.block(1, null);
    Decision unblocked = run.decide();

    assertThat(blocked.action()).isEqualTo(new Idle());
    assertThat(blocked.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(blocked.status().getMessage())
        .isEqualTo(
            "attempt 1 (1/3 counted) running as Job nightly-export-1; its pods cannot be created:"
                + " serviceaccount \"runner\" not found");
    assertThat(blocked.events())
        .extracting(TaskEvent::reason, TaskEvent::warning)
        .containsExactly(tuple(TaskEvent.ATTEMPT_BLOCKED, true));
    assertThat(again.events()).isEmpty();
    assertThat(again.status()).isEqualTo(blocked.status());
    assertThat(unblocked.status().getMessage())
        .isEqualTo("attempt 1 (1/3 counted) running as Job nightly-export-1");
    assertThat(unblocked.events()).isEmpty();
  }

  @Test
  void failedAttemptBacksOffForTheInitialDelay() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));

    Decision d = run.after(Duration.ofSeconds(1)).decide();

    Instant failedAt = T0.plus(ATTEMPT_RUNTIME);
    assertThat(d.action()).isEqualTo(new WaitUntil(failedAt.plusSeconds(10)));
    DeadLetterTaskStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(s.getNextAttemptAt()).isEqualTo("2030-01-01T00:00:40Z");
    assertThat(s.getActiveJob()).isNull();
    assertThat(s.getLastFailureReason()).isEqualTo("Error");
    assertThat(d.events())
        .as("one Event per failed attempt, saying when the retry starts")
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(TaskEvent.ATTEMPT_FAILED);
              assertThat(e.message()).endsWith("; attempt 2 starts at 2030-01-01T00:00:40Z");
              assertThat(e.isAboutJob(jobName(1))).isTrue();
            });
    AttemptRecord record = s.getHistory().get(0);
    assertThat(s.getHistory()).hasSize(1);
    assertThat(record.getAttempt()).isEqualTo(1);
    assertThat(record.getJob()).isEqualTo(jobName(1));
    assertThat(record.getOutcome()).isEqualTo(Outcome.Failed);
    assertThat(record.getExitCode()).isEqualTo(1);
    assertThat(record.getReason()).isEqualTo("Error");
    assertThat(record.getNode()).isEqualTo(Tasks.NODE);
    assertThat(record.getStartTime()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(record.getFinishTime()).isEqualTo("2030-01-01T00:00:30Z");
    assertThat(record.getAction()).isEqualTo(RetryAction.Retry);
    assertThat(record.getMatchedRule()).isNull();
    assertThat(d.chosenDelay()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void failureSeenAfterItsBackoffStartsTheRetryAtOnceAndStillReportsTheChosenDelay() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(3));

    // The Job's Failed condition reached the operator 15 s late, after the 10 s backoff.
    Decision d = run.after(Duration.ofSeconds(15)).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 3, "Error"));
    assertThat(d.status().getHistory()).extracting(AttemptRecord::getAttempt).containsExactly(1);
    assertThat(d.chosenDelay()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void dueRetryStartsTheNextAttemptWithThePreviousFailure() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(3));
    Instant due = ((WaitUntil) run.decide().action()).when();

    Decision d = run.at(due).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 3, "Error"));
    assertThat(d.status().getAttempts()).isEqualTo(2);
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(2);
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getActiveJob()).isEqualTo(jobName(2));
    assertThat(d.status().getNextAttemptAt()).isNull();
    assertThat(d.events()).isEmpty(); // attempt 1's failure was reported on the previous pass
    assertThat(d.chosenDelay()).as("the backoff was chosen on the previous pass").isNull();
  }

  @Test
  void secondRetryWaitsInitialDelayTimesMultiplier() {
    TaskRun run = TaskRun.of(threeAttempts());
    failFirstAttemptAndStartTheSecond(run, exitCode(1));
    run.after(ATTEMPT_RUNTIME).fail(2, exitCode(1));

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(20)));
  }

  @Test
  void aFirstAttemptThatSucceedsIsToldByTheStatusAlone() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).succeed(1);

    Decision d = run.decide();

    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Succeeded);
    assertThat(condition(d.status(), TaskConditions.READY).getMessage())
        .isEqualTo("attempt 1 succeeded (Job %s)".formatted(jobName(1)));
    assertThat(d.events()).as("no Event: nothing went wrong").isEmpty();
  }

  @Test
  void aFailureSeenAfterItsRetryWasDueSaysTheRetryStartsNow() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));

    Decision d = run.after(Duration.ofSeconds(15)).decide();

    assertThat(d.action()).isInstanceOf(StartAttempt.class);
    assertThat(d.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(TaskEvent.ATTEMPT_FAILED);
              assertThat(e.message()).endsWith("; attempt 2 starts now as Job " + jobName(2));
            });
  }

  @Test
  void aScheduleChangedAfterTheFailureGetsABackingOffEventOfItsOwn() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.after(Duration.ofSeconds(1)).decide();

    run.edit(spec -> spec.getRetryPolicy().getBackoff().setInitialDelay("20s"));
    Decision d = run.after(Duration.ofSeconds(1)).decide();

    assertThat(d.status().getNextAttemptAt()).isEqualTo("2030-01-01T00:00:50Z");
    assertThat(d.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(TaskEvent.BACKING_OFF);
              assertThat(e.message()).contains("attempt 2 starts at 2030-01-01T00:00:50Z");
            });
  }

  @Test
  void successMarksTheTaskSucceededAndReady() {
    TaskRun run = TaskRun.of(threeAttempts());
    failFirstAttemptAndStartTheSecond(run, exitCode(1));
    run.after(ATTEMPT_RUNTIME).succeed(2);

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    DeadLetterTaskStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(TaskPhase.Succeeded);
    assertThat(s.getActiveJob()).isNull();
    assertThat(s.getHistory())
        .extracting(AttemptRecord::getOutcome)
        .containsExactly(Outcome.Failed, Outcome.Succeeded);
    assertThat(condition(s, TaskConditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(s, TaskConditions.RECONCILING).getStatus()).isEqualTo("False");
    assertThat(condition(s, TaskConditions.STALLED).getStatus()).isEqualTo("False");
    assertThat(condition(s, TaskConditions.DEAD_LETTERED).getStatus()).isEqualTo("False");
    assertThat(d.events()).extracting(TaskEvent::reason).containsExactly(TaskEvent.SUCCEEDED);
  }

  @Test
  void exhaustedAttemptsDeadLetterTheTaskOnce() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "10m", 0));
    failFirstAttemptAndStartTheSecond(run, exitCode(1));
    run.after(ATTEMPT_RUNTIME).fail(2, exitCode(1));

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    DeadLetterTaskStatus s = d.status();
    assertThat(s.getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(s.getRound().getCountedAttempts()).isEqualTo(2);
    assertThat(s.getNextAttemptAt()).isNull();
    assertThat(s.getMessage()).contains("all 2 attempts failed");
    assertThat(condition(s, TaskConditions.STALLED).getStatus()).isEqualTo("True");
    assertThat(condition(s, TaskConditions.DEAD_LETTERED).getStatus()).isEqualTo("True");
    assertThat(condition(s, TaskConditions.READY).getStatus()).isEqualTo("False");
    assertThat(condition(s, TaskConditions.RECONCILING).getStatus()).isEqualTo("False");
    assertThat(d.events())
        .extracting(TaskEvent::reason)
        .containsExactly(TaskEvent.ATTEMPT_FAILED, TaskEvent.DEAD_LETTERED);
    assertThat(d.events())
        .as("kubectl events shows what was done, and to which attempt Job")
        .extracting(TaskEvent::action, e -> e.related().getKind(), e -> e.related().getName())
        .containsExactly(
            tuple("ClassifyFailure", "Job", "nightly-export-2"),
            tuple("DeadLetter", "Job", "nightly-export-2"));

    Decision later = run.after(Duration.ofHours(1)).decide();

    assertThat(later.action()).isEqualTo(new Idle());
    assertThat(later.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(later.events()).isEmpty();
  }

  @Test
  void deadLetterRuleDeadLettersAtOnce() {
    TaskRun run =
        TaskRun.of(threeAttempts().rules(Rules.onExitCodes(RetryAction.DeadLetter, In, 2)));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(2));

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.status().getRound().getCountedAttempts())
        .isEqualTo(1); // budget left, but the rule said stop
    assertThat(d.status().getMessage()).contains("rules[0]");
    AttemptRecord record = d.status().getHistory().get(0);
    assertThat(record.getAction()).isEqualTo(RetryAction.DeadLetter);
    assertThat(record.getMatchedRule()).isEqualTo(0);
    assertThat(d.events()).extracting(TaskEvent::reason).contains(TaskEvent.DEAD_LETTERED);
  }

  @Test
  void retryWithoutCountingDoesNotUseTheBudget() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .maxAttempts(1)
                .backoff("10s", 2, "10m", 0)
                .rules(Rules.onReasons(RetryAction.RetryWithoutCounting, "Evicted")));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, reason("Evicted"));

    Decision evicted = run.decide();

    assertThat(evicted.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(evicted.status().getRound().getCountedAttempts()).isZero();
    assertThat(evicted.status().getHistory().get(0).getAction())
        .isEqualTo(RetryAction.RetryWithoutCounting);

    Decision retry = run.at(run.now().plusSeconds(10)).decide();

    assertThat(retry.action()).isEqualTo(new StartAttempt(2, null, "Evicted"));
    assertThat(retry.status().getRound().getCountedAttempts()).isEqualTo(1);

    run.after(ATTEMPT_RUNTIME).fail(2, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
  }

  @Test
  void maxRetryDurationDeadLettersWhenTheNextAttemptWouldStartTooLate() {
    TaskRun run =
        TaskRun.of(Tasks.task().maxAttempts(10).backoff("10s", 2, "10m", 0).maxRetryDuration("1m"));
    failFirstAttemptAndStartTheSecond(
        run, exitCode(1)); // attempt 2 starts at 0:40, within the minute
    run.after(Duration.ofSeconds(15)).fail(2, exitCode(1)); // attempt 3 would start at 0:55 + 20s

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.status().getMessage()).contains("maxRetryDuration 1m0s");
  }

  // --- suspend ---

  @Test
  void suspendedTaskStartsNoFirstAttempt() {
    TaskRun run = TaskRun.of(threeAttempts().suspended(true));

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Suspended);
    assertThat(d.status().getAttempts()).isZero();
    assertThat(condition(d.status(), TaskConditions.RECONCILING).getStatus()).isEqualTo("False");
    assertThat(condition(d.status(), TaskConditions.STALLED).getStatus()).isEqualTo("False");
  }

  @Test
  void suspendLeavesARunningAttemptAlone() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.suspend(true);

    Decision d = run.after(Duration.ofSeconds(5)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getActiveJob()).isEqualTo(jobName(1));
  }

  @Test
  void suspendWhileBackingOffKeepsTheScheduleWithoutStarting() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide(); // attempt 2 due at 0:40
    run.suspend(true);

    Decision beforeDue = run.after(Duration.ofSeconds(5)).decide();
    Decision afterDue = run.at(T0.plus(Duration.ofMinutes(5))).decide();

    for (Decision d : List.of(beforeDue, afterDue)) {
      assertThat(d.action()).isEqualTo(new Idle());
      assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Suspended);
      assertThat(d.status().getNextAttemptAt()).isEqualTo("2030-01-01T00:00:40Z");
      assertThat(d.status().getAttempts()).isEqualTo(1);
    }
  }

  @Test
  void resumingAfterTheDueTimeStartsTheNextAttempt() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.suspend(true);
    run.at(T0.plus(Duration.ofMinutes(5))).decide();
    run.suspend(false);

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
  }

  // --- redrive: the retry-requested-at annotation ---

  @Test
  void retryRequestRedrivesADeadLetteredTaskWithAFreshRound() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    run.requestRetry("2030-01-02T09:00:00Z");

    Decision d = run.at(Instant.parse("2030-01-02T09:00:05Z")).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    DeadLetterTaskStatus s = d.status();
    assertThat(s.getAttempts()).isEqualTo(2);
    assertThat(s.getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(s.getRound().getStartedAt()).isEqualTo("2030-01-02T09:00:05Z");
    assertThat(s.getLastHandledRetryRequest()).isEqualTo("2030-01-02T09:00:00Z");
    assertThat(s.getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(condition(s, TaskConditions.DEAD_LETTERED).getStatus()).isEqualTo("False");
    assertThat(d.events()).extracting(TaskEvent::reason).containsExactly(TaskEvent.RETRY_REQUESTED);
  }

  @Test
  void theSameRetryRequestDoesNotRedriveTwice() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.requestRetry("first");
    run.decide(); // redrives: attempt 2
    run.after(ATTEMPT_RUNTIME).fail(2, exitCode(1));

    Decision d = run.decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.events()).extracting(TaskEvent::reason).doesNotContain(TaskEvent.RETRY_REQUESTED);
    assertThat(run.after(Duration.ofMinutes(1)).decide().action()).isEqualTo(new Idle());
  }

  @Test
  void retryRequestWhileBackingOffSkipsTheWait() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(3).backoff("10m", 2, "1h", 0));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    run.requestRetry("now please");

    Decision d = run.after(Duration.ofSeconds(5)).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(d.status().getRound().getCountedAttempts())
        .isEqualTo(2); // same round: it still counts
    assertThat(d.status().getLastHandledRetryRequest()).isEqualTo("now please");
    assertThat(d.events()).extracting(TaskEvent::reason).containsExactly(TaskEvent.RETRY_REQUESTED);
  }

  @Test
  void retryRequestWhileRunningIsRecordedButIgnored() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.requestRetry("too early");

    Decision whileRunning = run.after(Duration.ofSeconds(5)).decide();

    assertThat(whileRunning.action()).isEqualTo(new Idle());
    assertThat(whileRunning.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(whileRunning.status().getLastHandledRetryRequest()).isEqualTo("too early");
    assertThat(whileRunning.events())
        .singleElement()
        .extracting(TaskEvent::message)
        .asString()
        .contains("ignored");

    // the request was used up: the next failure backs off as usual
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    assertThat(run.decide().action()).isInstanceOf(WaitUntil.class);
  }

  @Test
  void retryRequestAfterSuccessIsRecordedButIgnored() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).succeed(1);
    run.decide();
    run.requestRetry("again?");

    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Succeeded);
    assertThat(d.status().getAttempts()).isEqualTo(1);
    assertThat(d.status().getLastHandledRetryRequest()).isEqualTo("again?");
  }

  // --- crash safety and idempotence ---

  @Test
  void jobCreatedBeforeAnyStatusWriteIsAdopted() {
    // a pass created attempt 1 and died before writing status
    var task = threeAttempts().build();

    Decision d = RetryDecider.decide(task, Tasks.observed(Tasks.running(1, T0)), T0.plusSeconds(5));

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getAttempts()).isEqualTo(1);
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(d.status().getRound().getStartedAt()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getActiveJob()).isEqualTo(jobName(1));
  }

  @Test
  void retryCreatedButNotWrittenToStatusIsAdoptedAndCounted() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide();
    DeadLetterTaskStatus backingOff = run.status();
    run.after(Duration.ofSeconds(10)).decide(); // creates attempt 2 ...
    run.task().setStatus(backingOff); // ... but its status write was lost

    Decision d = run.after(Duration.ofSeconds(1)).decide();

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getAttempts()).isEqualTo(2);
    assertThat(d.status().getRound().getCountedAttempts()).isEqualTo(2);
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Running);
    assertThat(d.status().getActiveJob()).isEqualTo(jobName(2));
    assertThat(d.status().getHistory()).hasSize(1);
  }

  @Test
  void activeAttemptWhoseJobVanishedIsRecordedAsJobDeleted() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(Duration.ofMinutes(1)).deleteJob(1);

    Decision d = run.decide();

    AttemptRecord record = d.status().getHistory().get(0);
    assertThat(record.getAttempt()).isEqualTo(1);
    assertThat(record.getOutcome()).isEqualTo(Outcome.Failed);
    assertThat(record.getReason()).isEqualTo(FailureDetails.JOB_DELETED);
    assertThat(record.getFinishTime()).isEqualTo("2030-01-01T00:01:00Z");
    assertThat(d.status().getLastFailureReason()).isEqualTo(FailureDetails.JOB_DELETED);
    assertThat(d.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(d.events()).extracting(TaskEvent::reason).contains(TaskEvent.ATTEMPT_FAILED);
  }

  @Test
  void decidingAgainOnTheSameWorldChangesNothing() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(Duration.ofSeconds(5)).decide();
    assertUnchangedOnSecondLook(run); // Running
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.after(Duration.ofSeconds(3));
    assertUnchangedOnSecondLook(run); // BackingOff, attempt 1 already in history
    assertThat(run.decideAgain().status().getHistory()).hasSize(1);
    run.after(Duration.ofSeconds(7)).decide();
    run.after(ATTEMPT_RUNTIME).succeed(2);
    run.decide();
    assertUnchangedOnSecondLook(run); // Succeeded
  }

  @Test
  void historyKeepsTheLast20Attempts() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(50).backoff("1s", 1, "1s", 0));
    run.decide();
    for (int n = 1; n <= 25; n++) {
      run.after(ATTEMPT_RUNTIME).fail(n, exitCode(1));
      run.deleteJob(n - 3); // as history retention would, with its default of 3 failed Jobs
      run.at(((WaitUntil) run.decide().action()).when()).decide();
    }

    List<AttemptRecord> history = run.status().getHistory();

    assertThat(history).hasSize(DeadLetterTaskStatus.HISTORY_LIMIT);
    assertThat(history.get(0).getAttempt()).isEqualTo(6);
    assertThat(history.get(19).getAttempt()).isEqualTo(25);
    assertThat(run.status().getAttempts()).isEqualTo(26);
  }

  @Test
  void conditionsKeepTheirTransitionTimeWhileTheirStatusHolds() {
    TaskRun run = TaskRun.of(threeAttempts());
    List<Condition> atStart = run.decide().status().getConditions();

    List<Condition> stillRunning =
        run.after(Duration.ofMinutes(5)).decide().status().getConditions();
    assertThat(stillRunning).isEqualTo(atStart);

    run.after(Duration.ofMinutes(5)).succeed(1);
    DeadLetterTaskStatus done = run.decide().status();

    assertThat(condition(done, TaskConditions.READY).getLastTransitionTime())
        .isEqualTo("2030-01-01T00:10:00Z");
    assertThat(condition(done, TaskConditions.RECONCILING).getLastTransitionTime())
        .isEqualTo("2030-01-01T00:10:00Z");
    assertThat(condition(done, TaskConditions.STALLED).getLastTransitionTime())
        .isEqualTo("2030-01-01T00:00:00Z");
  }

  @Test
  void observedGenerationFollowsMetadataGeneration() {
    TaskRun run = TaskRun.of(threeAttempts().generation(7));

    DeadLetterTaskStatus s = run.decide().status();

    assertThat(s.getObservedGeneration()).isEqualTo(7L);
    assertThat(s.getConditions()).extracting(Condition::getObservedGeneration).containsOnly(7L);
  }

  // --- invalid specs ---

  @Test
  void maxDelayShorterThanInitialDelayStallsTheTask() {
    TaskRun run = TaskRun.of(Tasks.task().delays("10m", "5s"));

    Decision d = run.decide();

    assertThat(d.action()).isNotInstanceOf(StartAttempt.class);
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.Pending);
    Condition stalled = condition(d.status(), TaskConditions.STALLED);
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getMessage()).contains("retryPolicy.backoff.maxDelay");
    assertThat(d.events()).extracting(TaskEvent::reason).containsExactly(TaskEvent.STALLED);
    assertThat(run.decide().events()).isEmpty(); // reported once
  }

  @Test
  void unparsableDurationStallsWithTheFieldNamed() {
    var task = Tasks.task().attemptTimeout("10 minutes").build();

    Decision d = RetryDecider.decide(task, Map.of(), T0);

    assertThat(d.action()).isNotInstanceOf(StartAttempt.class);
    assertThat(condition(d.status(), TaskConditions.STALLED).getMessage())
        .contains("retryPolicy.attemptTimeout");
  }

  @Test
  void initialDelayAboveTheDefaultCapIsItsOwnCap() {
    TaskRun run = TaskRun.of(Tasks.task().delays("15m", null));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));

    Decision d = run.decide();

    // 15m at most, and at least 15m minus the default 20% jitter
    Instant due = ((WaitUntil) d.action()).when();
    assertThat(due)
        .isBetween(run.now().plus(Duration.ofMinutes(12)), run.now().plus(Duration.ofMinutes(15)));
  }

  // --- helpers ---

  /** Starts attempt 1, fails it after a while, waits out the backoff and starts attempt 2. */
  private static void failFirstAttemptAndStartTheSecond(TaskRun run, FailureDetails failure) {
    assertThat(run.decide().action()).isEqualTo(new StartAttempt(1, null, null));
    run.after(ATTEMPT_RUNTIME).fail(1, failure);
    Decision waiting = run.decide();
    assertThat(waiting.action()).isInstanceOf(WaitUntil.class);
    Decision next = run.at(((WaitUntil) waiting.action()).when()).decide();
    assertThat(next.action()).isInstanceOf(StartAttempt.class);
  }

  private static void assertUnchangedOnSecondLook(TaskRun run) {
    Decision again = run.decideAgain();
    assertThat(again.status()).isEqualTo(run.status());
    assertThat(again.events()).isEmpty();
  }

  // Regression: attempts older than the 20-entry history were recorded again on every pass.
  @Test
  void attemptsThatFellOutOfTheHistoryAreNotRecordedAgain() {
    // historyLimits.failed (up to 100) may keep more Jobs than status.history (20) remembers
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(30).backoff("1s", 1, "1s", 0).keep(1, 30));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, reason("OOMKilled"));
    run.at(((WaitUntil) run.decide().action()).when()).decide();
    for (int n = 2; n <= 21; n++) {
      run.after(ATTEMPT_RUNTIME).fail(n, exitCode(1));
      run.at(((WaitUntil) run.decide().action()).when()).decide();
    }

    Decision d =
        run.after(Duration.ofSeconds(5)).decide(); // attempt 22 running, all 22 Jobs still there

    assertThat(d.action()).isEqualTo(new Idle());
    assertThat(d.status().getLastFailureReason()).isEqualTo("Error");
    assertThat(d.events()).isEmpty();
    assertThat(d.status().getHistory()).extracting(AttemptRecord::getAttempt).doesNotContain(1);
  }

  // Regression: a redrive started an attempt while spec.suspend was true.
  @Test
  void retryRequestDoesNotRedriveASuspendedTaskUntilResumed() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.decide();
    run.suspend(true);
    run.requestRetry("2030-01-02T09:00:00Z");

    Decision suspended = run.after(Duration.ofMinutes(1)).decide();
    assertThat(suspended.action()).isNotInstanceOf(StartAttempt.class);
    assertThat(suspended.status().getLastHandledRetryRequest()).isNull();

    run.suspend(false);
    Decision resumed = run.after(Duration.ofSeconds(1)).decide();
    assertThat(resumed.action()).isInstanceOf(StartAttempt.class);
    assertThat(resumed.status().getLastHandledRetryRequest()).isEqualTo("2030-01-02T09:00:00Z");
  }

  // Regression: a crash between creating the redrive Job and writing status lost the fresh round.
  @Test
  void redriveCreatedButNotWrittenToStatusKeepsItsFreshRound() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));
    run.at(((WaitUntil) run.decide().action()).when()).decide();
    run.after(ATTEMPT_RUNTIME).fail(2, exitCode(1));
    DeadLetterTaskStatus deadLettered = run.decide().status();
    run.requestRetry("redrive-1");
    run.after(Duration.ofMinutes(1)).decide(); // creates attempt 3 ...
    run.task().setStatus(deadLettered); // ... but its status write was lost

    Decision adopted = run.after(Duration.ofSeconds(1)).decide();
    run.after(ATTEMPT_RUNTIME).fail(3, exitCode(1));
    Decision d = run.decide();

    assertThat(adopted.status().getAttempts()).isEqualTo(3);
    assertThat(adopted.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(adopted.status().getLastHandledRetryRequest()).isEqualTo("redrive-1");
    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
  }

  @Test
  void capturedTaskRecordsTheOriginalFailureAsAttemptZeroAndRetriesAfterTheBackoff() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(2).backoff("10s", 2, "10m", 0));
    run.task().getSpec().setSource(capturedSource(T0.minusSeconds(4), 3));

    Decision waiting = run.decide();

    AttemptRecord original = waiting.status().getHistory().get(0);
    assertThat(original.getAttempt()).isZero();
    assertThat(original.getJob()).isEqualTo("nightly-29");
    assertThat(original.getExitCode()).isEqualTo(3);
    assertThat(original.getFinishTime()).isEqualTo(T0.minusSeconds(4).toString());
    assertThat(waiting.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(waiting.action()).isEqualTo(new WaitUntil(T0.plusSeconds(6)));

    Decision first = run.at(T0.plusSeconds(6)).decide();
    assertThat(first.action()).isInstanceOf(StartAttempt.class);
    assertThat(((StartAttempt) first.action()).number()).isEqualTo(1);
    assertThat(((StartAttempt) first.action()).previousExitCode()).isEqualTo(3);
    assertThat(first.status().getRound().getCountedAttempts())
        .as("the original failure does not use up the budget")
        .isEqualTo(1);
  }

  @Test
  void capturedFailureMatchingADeadLetterRuleIsDeadLetteredWithoutAnAttempt() {
    TaskRun run =
        TaskRun.of(
            Tasks.task().maxAttempts(3).rules(Rules.onExitCodes(RetryAction.DeadLetter, In, 3)));
    run.task().getSpec().setSource(capturedSource(T0, 3));

    Decision d = run.decide();

    assertThat(d.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    assertThat(d.status().getAttempts()).isZero();
  }

  @Test
  void succeededTaskIsDeletedOnceItsTtlHasPassed() {
    TaskRun run = TaskRun.of(Tasks.task());
    run.task().getSpec().setTtlAfterSucceeded("1h");
    run.decide();
    run.after(ATTEMPT_RUNTIME).succeed(1);

    Decision kept = run.decide();
    assertThat(kept.status().getPhase()).isEqualTo(TaskPhase.Succeeded);
    assertThat(kept.action()).isEqualTo(new WaitUntil(T0.plus(ATTEMPT_RUNTIME).plusSeconds(3600)));

    assertThat(run.after(Duration.ofHours(1)).decide().action())
        .isEqualTo(new Decision.DeleteTask());
  }

  @Test
  void deadLetteredTaskIsNeverExpired() {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1));
    run.task().getSpec().setTtlAfterSucceeded("1s");
    run.decide();
    run.after(ATTEMPT_RUNTIME).fail(1, exitCode(1));

    assertThat(run.after(Duration.ofDays(30)).decide().action()).isEqualTo(new Idle());
  }

  private static TaskSource capturedSource(Instant failedAt, int exitCode) {
    TaskSource source = new TaskSource();
    source.setKind("Job");
    source.setName("nightly-29");
    source.setUid("0d5a");
    source.setFailedAt(failedAt.toString());
    source.setReason("Error");
    source.setExitCode(exitCode);
    return source;
  }
}
