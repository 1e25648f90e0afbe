package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/** Groups a task's attempt Jobs and their pods into observations keyed by attempt number. */
public final class AttemptObservations {

  private AttemptObservations() {}

  /** One attempt Job read into an observation, with the pods it was read from. */
  public record Read(Job job, List<Pod> pods, ObservedAttempt observed) {

    public Read {
      pods = List.copyOf(pods);
    }

    /** Attempt {@code number}, read from its Job and that Job's pods. */
    public static Read of(int number, Job job, List<Pod> pods) {
      return new Read(job, pods, AttemptReader.read(number, job, pods));
    }
  }

  public static Map<Integer, Read> of(
      DeadLetterTask task, Collection<Job> jobs, Collection<Pod> pods) {
    Map<Integer, Read> reads = new TreeMap<>();
    for (Job job : jobs) {
      if (!Ownership.controlledBy(job, task.getMetadata().getUid())) {
        continue; // e.g. left by a deleted task of the same name: never adopted
      }
      OptionalInt number = attemptOf(job);
      if (number.isEmpty()) {
        continue;
      }
      reads.put(number.getAsInt(), Read.of(number.getAsInt(), job, Ownership.podsOf(job, pods)));
    }
    return reads;
  }

  public static OptionalInt attemptOf(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    return AttemptLabels.attemptNumber(labels == null ? null : labels.get(AttemptLabels.ATTEMPT));
  }
}
