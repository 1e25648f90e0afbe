package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.AttemptLabels;
import dev.deadletter.jobs.AttemptObservations;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.History;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * The Job and pod informers are independent, so a pass can see an attempt's Job Failed before the
 * pod cache shows how its pod ended. Recording the failure then would lose the exit code, and with
 * it the rule that decides (an exit code that should dead-letter the task would be retried). So for
 * a failure about to be recorded without any container's exit code, its pods are read once from the
 * API server. Costs nothing while the caches agree.
 */
final class FailedPods {

  private FailedPods() {}

  /** Re-reads, with pods from the API server, the failures the cache shows without exit codes. */
  static void confirm(
      KubernetesClient client,
      DeadLetterTask task,
      Map<Integer, ObservedAttempt> observed,
      List<Job> jobs) {
    int newestRecorded = History.newestAttempt(task.getStatus());
    for (Job job : jobs) {
      int number = AttemptObservations.attemptOf(job).orElse(0);
      ObservedAttempt attempt = observed.get(number);
      if (number > newestRecorded && attempt != null && lacksPodEvidence(attempt)) {
        List<Pod> pods = podsOf(client, task, number, job);
        if (!pods.isEmpty()) {
          observed.put(number, AttemptReader.read(number, job, pods));
        }
      }
    }
  }

  private static boolean lacksPodEvidence(ObservedAttempt attempt) {
    FailureDetails failure = attempt.failure();
    return attempt.state() == ObservedAttempt.State.FAILED
        && failure != null
        && failure.exitCodes().isEmpty()
        && !FailureDetails.JOB_DELETED.equals(failure.primaryReason());
  }

  private static List<Pod> podsOf(
      KubernetesClient client, DeadLetterTask task, int number, Job job) {
    return Ownership.podsOf(
        job,
        client
            .pods()
            .inNamespace(job.getMetadata().getNamespace())
            .withLabel(AttemptLabels.TASK, task.getMetadata().getName())
            .withLabel(AttemptLabels.ATTEMPT, String.valueOf(number))
            .list()
            .getItems());
  }
}
