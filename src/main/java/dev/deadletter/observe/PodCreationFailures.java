package dev.deadletter.observe;

import dev.deadletter.jobs.Ownership;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

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
 *
 * <p>Once a cause is known it stays in the status until the Job gets pods, ends, or a lookup finds
 * another cause: a lookup that fails, finds nothing or is skipped is no evidence, and dropping the
 * cause for a pass would rewrite the status and repeat the Warning Event the pass after.
 */
final class PodCreationFailures {

  /** How long a new Job may go without a pod before anyone asks why. */
  static final Duration GRACE = Duration.ofSeconds(30);

  /** How often to look again while a Job still has no pod. */
  static final Duration RECHECK = Duration.ofSeconds(60);

  /** How long the cause of a task that no pass checks any more is kept (see forgetUnseen). */
  static final Duration FORGET_AFTER = Duration.ofMinutes(30);

  private static final int MAX_MESSAGE = 300;

  private final Semaphore oneAtATime = new Semaphore(1);

  /**
   * Per task: its latest Job that has no pod, and what the lookups found. In memory only: after a
   * restart the first pass simply looks again.
   */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  private final AtomicReference<Instant> lastSweep = new AtomicReference<>(Instant.EPOCH);

  /**
   * @param cause the newest FailedCreate message known for this Job, null while none is
   * @param lookedAt when Events were last read for it
   * @param checkedAt the last pass of the task
   */
  private record Seen(String jobUid, String cause, Instant lookedAt, Instant checkedAt) {}

  /**
   * Marks the latest attempt blocked when its Job has no pod and Events say why.
   *
   * @param task the task's namespace/name, under which what was last seen is remembered
   * @return when to look again, or empty when there is nothing to watch for
   */
  Optional<Duration> check(
      KubernetesClient client,
      String task,
      int latest,
      Map<Integer, ObservedAttempt> observed,
      List<Job> jobs,
      List<Pod> pods,
      Instant now) {
    forgetUnseen(now);
    ObservedAttempt attempt = observed.get(latest);
    Optional<Job> job = attempt == null ? Optional.empty() : withoutPods(attempt, jobs, pods);
    if (job.isEmpty()) {
      // The Job ended, is gone, or got pods: whatever blocked it no longer does.
      seen.remove(task);
      return Optional.empty();
    }
    String jobUid = job.get().getMetadata().getUid();
    Seen before = seen.get(task);
    if (before != null && !before.jobUid().equals(jobUid)) {
      before = null;
    }
    if (before == null) {
      Instant created = Timestamps.parse(job.get().getMetadata().getCreationTimestamp());
      Duration age = created == null ? GRACE : Duration.between(created, now);
      if (age.compareTo(GRACE) < 0) {
        return Optional.of(GRACE.minus(age));
      }
    }
    Seen current = lookIfDue(client, job.get(), before, now);
    seen.put(task, current);
    if (current.cause() != null) {
      observed.put(latest, attempt.blocked("its pods cannot be created: " + current.cause()));
    }
    Duration sinceLook = Duration.between(current.lookedAt(), now);
    return Optional.of(sinceLook.compareTo(RECHECK) < 0 ? RECHECK.minus(sinceLook) : RECHECK);
  }

  /** The attempt's Job, while it runs and has no pod that the caches or its counts show. */
  private static Optional<Job> withoutPods(
      ObservedAttempt attempt, List<Job> jobs, List<Pod> pods) {
    if (attempt.finished() || attempt.blockedBy() != null) {
      return Optional.empty(); // blockedBy was read from its pods
    }
    return jobs.stream()
        .filter(j -> j.getMetadata().getName().equals(attempt.jobName()))
        .findFirst()
        .filter(j -> !hasCountedPods(j) && Ownership.podsOf(j, pods).isEmpty());
  }

  /**
   * What a lookup found, else what was known before: when no lookup was due, none could be made
   * (one is in flight) or it failed. A lookup without FailedCreate Events keeps it too: those
   * Events expire, and the watch cache it reads can lag.
   */
  private Seen lookIfDue(KubernetesClient client, Job job, Seen before, Instant now) {
    String jobUid = job.getMetadata().getUid();
    String known = before == null ? null : before.cause();
    if (before != null && before.lookedAt().plus(RECHECK).isAfter(now)) {
      return new Seen(jobUid, known, before.lookedAt(), now);
    }
    if (!oneAtATime.tryAcquire()) {
      return new Seen(jobUid, known, before == null ? Instant.EPOCH : before.lookedAt(), now);
    }
    try {
      return new Seen(jobUid, newestFailure(client, job).orElse(known), now, now);
    } finally {
      oneAtATime.release();
    }
  }

  /**
   * A task that is deleted (or no longer watched) has no further pass that could drop its entry.
   * Every watched task is reconciled at least every 10 minutes (maxReconciliationInterval), one
   * with a Job without pods every {@link #RECHECK}: an entry unseen for longer belongs to no task.
   */
  private void forgetUnseen(Instant now) {
    Instant last = lastSweep.get();
    if (Duration.between(last, now).compareTo(FORGET_AFTER) < 0
        || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    Instant cutoff = now.minus(FORGET_AFTER);
    seen.values().removeIf(s -> s.checkedAt().isBefore(cutoff));
  }

  int remembered() {
    return seen.size();
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
        || positive(status.getReady())
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
