package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Engine bugs that {@link RetryEngineModelTest} found, each as the smallest story that shows it.
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
}
