package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.TaskBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Job create that the API server refuses (a quota, an admission webhook) is an observation: the
 * decider decides again with it, starts nothing, keeps the round, and tries again with a capped
 * backoff.
 */
class RefusedStartTest {

  private static final String QUOTA = "exceeded quota: jobs, requested: count/jobs.batch=1";

  private static TaskBuilder threeAttempts() {
    return Tasks.task().maxAttempts(3).backoff("10s", 2, "10m", 0);
  }

  @Test
  void aRefusedRetryKeepsTheRecordAndTheRoundAndIsTriedAgainAtADoublingCappedInterval() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.decide();
    run.after(Duration.ofSeconds(30)).fail(1, exitCode(4));
    run.refuseCreates("JobForbidden", QUOTA);

    Decision first = run.after(Duration.ofMinutes(5)).decide();

    assertThat(first.action()).isEqualTo(new WaitUntil(run.now().plusSeconds(10)));
    assertThat(first.status().getAttempts()).isEqualTo(1);
    assertThat(first.status().getRound().getCountedAttempts()).isEqualTo(1);
    assertThat(first.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(first.status().getHistory())
        .extracting(AttemptRecord::getExitCode)
        .containsExactly(4);
    assertThat(first.status().getRefusedStart().getAttempt()).isEqualTo(2);
    assertThat(first.status().getMessage()).startsWith(QUOTA);
    assertThat(Tasks.condition(first.status(), TaskConditions.STALLED).getReason())
        .isEqualTo("JobForbidden");
    assertThat(first.events())
        .extracting(TaskEvent::reason)
        .containsExactly(TaskEvent.ATTEMPT_FAILED, TaskEvent.ATTEMPT_REFUSED);

    Duration[] waits = new Duration[8];
    for (int i = 0; i < waits.length; i++) {
      Decision d = run.at(Timestamps.parse(run.status().getRefusedStart().getNextTryAt())).decide();
      waits[i] = Duration.between(run.now(), ((WaitUntil) d.action()).when());
      assertThat(d.events()).as("one Warning per cause").isEmpty();
    }
    assertThat(waits)
        .containsExactly(
            Duration.ofSeconds(20),
            Duration.ofSeconds(40),
            Duration.ofSeconds(80),
            Duration.ofSeconds(160),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5));
    assertThat(run.status().getRefusedStart().getRefusals()).isEqualTo(9);

    run.refuseCreates(null, null); // the quota is raised
    Decision started =
        run.at(Timestamps.parse(run.status().getRefusedStart().getNextTryAt())).decide();

    assertThat(started.action()).isEqualTo(new StartAttempt(2, 4, "Error"));
    assertThat(started.status().getRefusedStart()).isNull();
    assertThat(started.status().getRound().getCountedAttempts()).isEqualTo(2);
    assertThat(Tasks.condition(started.status(), TaskConditions.STALLED).getStatus())
        .isEqualTo("False");
  }

  @Test
  void aRefusedRedriveKeepsItsFreshRoundAndStartsOnceTheQuotaIsGone() {
    // Before: the task stayed DeadLettered and Stalled with countedAttempts 0 and no new attempt.
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1).backoff("10s", 2, "10m", 0));
    run.decide();
    run.after(Duration.ofSeconds(30)).fail(1, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    run.refuseCreates("JobForbidden", QUOTA);
    run.requestRetry("redrive-1");

    Decision refused = run.after(Duration.ofMinutes(1)).decide();

    assertThat(refused.status().getDeadLetter()).isNull();
    assertThat(refused.status().getRound().getNumber()).isEqualTo(2);
    assertThat(refused.status().getRound().getFirstAttempt()).isEqualTo(2);
    assertThat(refused.status().getRound().getCountedAttempts()).isZero();
    assertThat(refused.status().getLastHandledRetryRequest()).isEqualTo("redrive-1");
    assertThat(refused.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(refused.status().getRefusedStart().getAttempt()).isEqualTo(2);

    Decision again = run.at(((WaitUntil) refused.action()).when()).decide();
    assertThat(again.status().getRound()).isEqualTo(refused.status().getRound());

    run.refuseCreates(null, null);
    Decision started = run.at(((WaitUntil) again.action()).when()).decide();

    assertThat(started.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(started.status().getRound().getNumber()).isEqualTo(2);
    assertThat(started.status().getRound().getCountedAttempts()).isEqualTo(1);
  }

  @Test
  void aRefusedFirstAttemptIsTriedAgainAtOnceAfterASpecEdit() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.refuseCreates("InvalidJobTemplate", "spec.template.spec.containers[0].name: Required");

    Decision refused = run.decide();

    assertThat(refused.status().getPhase()).isEqualTo(TaskPhase.Pending);
    assertThat(refused.status().getAttempts()).isZero();
    assertThat(refused.action()).isEqualTo(new WaitUntil(T0.plusSeconds(10)));
    assertThat(run.after(Duration.ofSeconds(1)).decide().action())
        .as("the same spec waits for the next try")
        .isInstanceOf(WaitUntil.class);

    run.refuseCreates(null, null);
    run.task().getMetadata().setGeneration(2L);
    Decision started = run.decide();

    assertThat(started.action()).isEqualTo(new StartAttempt(1, null, null));
  }

  @Test
  void aRetryRequestSkipsTheRefusalWait() {
    TaskRun run = TaskRun.of(threeAttempts());
    run.refuseCreates("JobForbidden", QUOTA);
    run.decide();
    run.refuseCreates(null, null);
    run.requestRetry("now-please");

    Decision d = run.after(Duration.ofSeconds(1)).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(1, null, null));
  }
}
