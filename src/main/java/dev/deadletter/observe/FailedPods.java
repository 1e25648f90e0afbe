package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.AttemptLabels;
import dev.deadletter.jobs.AttemptObservations.Read;
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

  /**
   * Re-reads, with pods from the API server, the failures the cache shows without exit codes. A
   * read that is replaced keeps the fresh pods, so whatever else is taken from them (the container
   * whose log tail to read) agrees with the failure recorded.
   */
  static void confirm(KubernetesClient client, DeadLetterTask task, Map<Integer, Read> reads) {
    int newestRecorded = History.newestAttempt(task.getStatus());
    reads.replaceAll(
        (number, read) ->
            number > newestRecorded && lacksPodEvidence(read.observed())
                ? reread(client, task, number, read)
                : read);
  }

  private static Read reread(KubernetesClient client, DeadLetterTask task, int number, Read read) {
    List<Pod> pods = podsOf(client, task, number, read.job());
    return pods.isEmpty() ? read : Read.of(number, read.job(), pods);
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
    return client
        .pods()
        .inNamespace(job.getMetadata().getNamespace())
        .withLabel(AttemptLabels.TASK, task.getMetadata().getName())
        .withLabel(AttemptLabels.ATTEMPT, String.valueOf(number))
        .list()
        .getItems()
        .stream()
        .filter(p -> Ownership.controlledBy(p, job.getMetadata().getUid()))
        .toList();
  }
}
