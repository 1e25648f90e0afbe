package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.HasMetadata;
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

  public static Map<Integer, ObservedAttempt> of(
      DeadLetterTask task, Collection<Job> jobs, Collection<Pod> pods) {
    Map<Integer, ObservedAttempt> observed = new TreeMap<>();
    for (Job job : jobs) {
      if (!controlledBy(job, task.getMetadata().getUid())) {
        continue; // e.g. left by a deleted task of the same name: never adopted
      }
      OptionalInt number = attemptOf(job);
      if (number.isEmpty()) {
        continue;
      }
      List<Pod> own =
          pods.stream().filter(p -> controlledBy(p, job.getMetadata().getUid())).toList();
      observed.put(number.getAsInt(), AttemptReader.read(number.getAsInt(), job, own));
    }
    return observed;
  }

  public static OptionalInt attemptOf(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    return AttemptLabels.attemptNumber(labels == null ? null : labels.get(AttemptLabels.ATTEMPT));
  }

  public static boolean controlledBy(HasMetadata child, String ownerUid) {
    return child.getMetadata().getOwnerReferences() != null
        && child.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && ownerUid.equals(o.getUid()));
  }
}
