package dev.deadletter.reconciler;

import dev.deadletter.jobs.AttemptObservations;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.Timestamps;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * An attempt Job whose pods cannot be created (a missing ServiceAccount, a quota, Pod Security
 * admission) stays active with no pod, and the Job controller says why only in FailedCreate Events
 * on the Job. For the latest attempt, when it has had no pod for a while, this reads them, so the
 * task's status can say why it does not progress.
 *
 * <p>Events have no index the API server could use, so each lookup filters every Event of the
 * namespace. On a cluster too busy to create pods quickly, many Jobs wait for pods at once; one
 * lookup per Job would then stall every reconcile thread on those LISTs (the benchmark saw minutes
 * without a Job created). So: a lookup only after {@link #GRACE}, served from the API server's
 * watch cache (resourceVersion 0), at most one at a time in the process (a pass that finds one in
 * flight skips its own and looks again later), and again only every {@link #RECHECK}.
 */
final class PodCreationFailures {

  /** How long a new Job may go without a pod before anyone asks why. */
  static final Duration GRACE = Duration.ofSeconds(30);

  /** How often to look again while a Job still has no pod. */
  static final Duration RECHECK = Duration.ofSeconds(60);

  private static final int MAX_MESSAGE = 300;

  private final Semaphore oneAtATime = new Semaphore(1);

  /**
   * Marks the latest attempt blocked when its Job has no pod and Events say why.
   *
   * @return when to look again, or empty when there is nothing to watch for
   */
  Optional<Duration> check(
      KubernetesClient client,
      int latest,
      Map<Integer, ObservedAttempt> observed,
      List<Job> jobs,
      List<Pod> pods,
      Instant now) {
    ObservedAttempt attempt = observed.get(latest);
    if (attempt == null || attempt.finished() || attempt.blockedBy() != null) {
      return Optional.empty();
    }
    Optional<Job> job =
        jobs.stream().filter(j -> j.getMetadata().getName().equals(attempt.jobName())).findFirst();
    if (job.isEmpty()
        || hasCountedPods(job.get())
        || pods.stream()
            .anyMatch(p -> AttemptObservations.controlledBy(p, job.get().getMetadata().getUid()))) {
      return Optional.empty();
    }
    Instant created = Timestamps.parse(job.get().getMetadata().getCreationTimestamp());
    Duration age = created == null ? GRACE : Duration.between(created, now);
    if (age.compareTo(GRACE) < 0) {
      return Optional.of(GRACE.minus(age));
    }
    if (!oneAtATime.tryAcquire()) {
      return Optional.of(RECHECK);
    }
    try {
      newestFailure(client, job.get())
          .ifPresent(
              message ->
                  observed.put(latest, attempt.blocked("its pods cannot be created: " + message)));
    } finally {
      oneAtATime.release();
    }
    return Optional.of(RECHECK);
  }

  /**
   * The Job controller has counted pods of this Job, so they could be created. Needed because the
   * pod cache holds no succeeded pods: a Job whose only pod succeeded shows none there until its
   * Complete condition lands.
   */
  static boolean hasCountedPods(Job job) {
    JobStatus status = job.getStatus();
    if (status == null) {
      return false;
    }
    UncountedTerminatedPods uncounted = status.getUncountedTerminatedPods();
    return positive(status.getActive())
        || positive(status.getSucceeded())
        || positive(status.getFailed())
        || positive(status.getTerminating())
        || (uncounted != null
            && (nonEmpty(uncounted.getSucceeded()) || nonEmpty(uncounted.getFailed())));
  }

  private static boolean positive(Integer count) {
    return count != null && count > 0;
  }

  private static boolean nonEmpty(List<String> pods) {
    return pods != null && !pods.isEmpty();
  }

  private static Optional<String> newestFailure(KubernetesClient client, Job job) {
    try {
      return client
          .v1()
          .events()
          .inNamespace(job.getMetadata().getNamespace())
          .list(
              new ListOptionsBuilder()
                  .withFieldSelector(
                      "involvedObject.uid=" + job.getMetadata().getUid() + ",reason=FailedCreate")
                  .withResourceVersion("0")
                  .build())
          .getItems()
          .stream()
          .max(Comparator.comparing(PodCreationFailures::lastSeen))
          .map(Event::getMessage)
          .filter(Objects::nonNull)
          .map(m -> m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "..." : m);
    } catch (KubernetesClientException e) {
      // Only a better message is lost: the attempt still runs into its deadline.
      return Optional.empty();
    }
  }

  private static String lastSeen(Event e) {
    return Objects.requireNonNullElse(
        e.getLastTimestamp(),
        Objects.requireNonNullElse(
            e.getEventTime() == null ? null : e.getEventTime().getTime(), ""));
  }
}
