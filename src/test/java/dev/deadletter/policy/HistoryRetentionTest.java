package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.T0;
import static dev.deadletter.policy.Tasks.exitCode;
import static dev.deadletter.policy.Tasks.jobName;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HistoryRetentionTest {

  @Test
  void keepsTheNewestSucceededAndFailedJobsSeparately() {
    List<ObservedAttempt> jobs =
        List.of(succeeded(1), failed(2), succeeded(3), failed(4), failed(5), succeeded(6));

    List<String> delete =
        HistoryRetention.jobsToDelete(jobs, statusRecording(1, 2, 3, 4, 5, 6), 1, 2);

    assertThat(delete).containsExactlyInAnyOrder(jobName(1), jobName(2), jobName(3));
  }

  @Test
  void neverDeletesAnAttemptWhoseOutcomeStatusHasNotRecorded() {
    List<ObservedAttempt> jobs = List.of(failed(1), failed(2), failed(3));

    // attempt 3 ended after the last status write: deleting it now would lose its outcome
    List<String> delete = HistoryRetention.jobsToDelete(jobs, statusRecording(1, 2), 0, 0);

    assertThat(delete).containsExactlyInAnyOrder(jobName(1), jobName(2));
  }

  @Test
  void attemptsOlderThanTheHistoryWindowMayBeDeleted() {
    List<ObservedAttempt> jobs = List.of(failed(1), failed(30));

    List<String> delete = HistoryRetention.jobsToDelete(jobs, statusRecording(30), 0, 0);

    assertThat(delete).containsExactlyInAnyOrder(jobName(1), jobName(30));
  }

  @Test
  void neverDeletesARunningAttempt() {
    List<ObservedAttempt> jobs = List.of(failed(1), Tasks.running(2, T0));

    List<String> delete = HistoryRetention.jobsToDelete(jobs, statusRecording(1, 2), 0, 0);

    assertThat(delete).containsExactly(jobName(1));
  }

  private static ObservedAttempt failed(int attempt) {
    return Tasks.failed(attempt, T0, T0.plusSeconds(attempt), exitCode(1));
  }

  private static ObservedAttempt succeeded(int attempt) {
    return Tasks.succeeded(attempt, T0, T0.plusSeconds(attempt));
  }

  private static DeadLetterTaskStatus statusRecording(int... attempts) {
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    status.setAttempts(IntStream.of(attempts).max().orElse(0));
    status.setHistory(
        Arrays.stream(attempts)
            .mapToObj(
                n -> {
                  AttemptRecord r = new AttemptRecord();
                  r.setAttempt(n);
                  r.setJob(jobName(n));
                  return r;
                })
            .toList());
    return status;
  }

  // Regression: with an empty history every finished Job counted as "older than the oldest record".
  @Test
  void unrecordedJobIsNotDeletedWhenTheHistoryIsEmpty() {
    DeadLetterTaskStatus written = new DeadLetterTaskStatus();
    written.setAttempts(1);

    List<String> delete = HistoryRetention.jobsToDelete(List.of(failed(1)), written, 0, 0);

    assertThat(delete).isEmpty();
  }
}
