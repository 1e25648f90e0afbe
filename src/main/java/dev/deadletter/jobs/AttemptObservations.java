package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/** Groups a task's attempt Jobs and their pods into observations keyed by attempt number. */
public final class AttemptObservations {

  private AttemptObservations() {}

  public static Map<Integer, ObservedAttempt> of(
      DeadLetterTask task, Collection<Job> jobs, Collection<Pod> pods) {
    Map<Integer, ObservedAttempt> observed = new TreeMap<>();
    for (Job job : jobs) {
      if (!Ownership.controlledBy(job, task.getMetadata().getUid())) {
        continue; // e.g. left by a deleted task of the same name: never adopted
      }
      OptionalInt number = attemptOf(job);
      if (number.isEmpty()) {
        continue;
      }
      observed.put(
          number.getAsInt(),
          AttemptReader.read(number.getAsInt(), job, Ownership.podsOf(job, pods)));
    }
    return observed;
  }

  public static OptionalInt attemptOf(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    return AttemptLabels.attemptNumber(labels == null ? null : labels.get(AttemptLabels.ATTEMPT));
  }
}
