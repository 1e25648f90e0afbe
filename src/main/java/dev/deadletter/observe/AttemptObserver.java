package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.jobs.AttemptJobs;
import dev.deadletter.jobs.AttemptObservations;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads what a pass needs of a task's attempt Jobs and pods. */
public final class AttemptObserver {

  private AttemptObserver() {}

  /**
   * The task's attempts as the caches show them, corrected where the caches lag: a latest attempt
   * missing from the Job cache is read from the API server, and a failure about to be recorded
   * without an exit code is read again with its pods from the API server ({@link FailedPods}), that
   * Job included: when the Job cache lags, the pod cache may too.
   */
  public static Map<Integer, ObservedAttempt> observe(
      KubernetesClient client,
      DeadLetterTask task,
      AttemptJobs attemptJobs,
      List<Job> cachedJobs,
      List<Pod> cachedPods) {
    Map<Integer, ObservedAttempt> observed =
        new HashMap<>(AttemptObservations.of(task, cachedJobs, cachedPods));
    List<Job> jobs = new ArrayList<>(cachedJobs);
    confirmLatestAttempt(task, attemptJobs, observed, cachedPods).ifPresent(jobs::add);
    FailedPods.confirm(client, task, observed, jobs);
    return observed;
  }

  /**
   * The status says attempt N was created but the cache has no Job N. The cache may lag our own
   * create (a watch event in flight), so ask the API once before the decider calls the attempt
   * deleted.
   *
   * @return the Job read from the API server, if it was read and found
   */
  private static Optional<Job> confirmLatestAttempt(
      DeadLetterTask task,
      AttemptJobs attemptJobs,
      Map<Integer, ObservedAttempt> observed,
      List<Pod> pods) {
    DeadLetterTaskStatus status = task.getStatus();
    if (status == null || status.getAttempts() == 0 || observed.containsKey(status.getAttempts())) {
      return Optional.empty();
    }
    int latest = status.getAttempts();
    if (status.getHistory().stream().anyMatch(r -> r.getAttempt() == latest)) {
      return Optional.empty();
    }
    Optional<Job> read = attemptJobs.read(latest);
    read.ifPresent(
        job -> {
          observed.put(latest, AttemptReader.read(latest, job, Ownership.podsOf(job, pods)));
        });
    return read;
  }
}
