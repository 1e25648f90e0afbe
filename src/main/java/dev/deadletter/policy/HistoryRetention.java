package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which finished attempt Jobs to delete under the history limits. Only attempts whose outcome the
 * status already records are candidates, so deleting a Job never loses what happened to it.
 */
public final class HistoryRetention {

  private HistoryRetention() {}

  public static List<String> jobsToDelete(
      Collection<ObservedAttempt> observed,
      DeadLetterTaskStatus written,
      int keepSucceeded,
      int keepFailed) {
    Set<Integer> recorded =
        written.getHistory().stream().map(AttemptRecord::getAttempt).collect(Collectors.toSet());
    // Attempts older than the oldest record were recorded and have since dropped out of the
    // history.
    int oldestRecorded = recorded.stream().min(Integer::compare).orElse(0);
    List<ObservedAttempt> finished =
        observed.stream()
            .filter(ObservedAttempt::finished)
            .filter(a -> recorded.contains(a.number()) || a.number() < oldestRecorded)
            .sorted(Comparator.comparingInt(ObservedAttempt::number).reversed())
            .toList();
    List<String> delete = new ArrayList<>();
    int succeeded = 0;
    int failed = 0;
    for (ObservedAttempt a : finished) {
      boolean keep =
          a.state() == ObservedAttempt.State.SUCCEEDED
              ? ++succeeded <= keepSucceeded
              : ++failed <= keepFailed;
      if (!keep) {
        delete.add(a.jobName());
      }
    }
    return delete;
  }
}
