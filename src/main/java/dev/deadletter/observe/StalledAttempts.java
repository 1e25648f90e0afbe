package dev.deadletter.observe;

import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.Timestamps;
import dev.deadletter.policy.TokenBucket;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ListOptions;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The latest attempt's Job runs but makes no progress, and only a lookup can say why: this makes it
 * and puts the answer in the attempt's {@code blockedBy}, for the task's status and an {@code
 * AttemptBlocked} Event.
 *
 * <ul>
 *   <li>A Job without pods: the Job controller cannot create them (a missing ServiceAccount, a
 *       quota, Pod Security admission) and says why only in FailedCreate Events on the Job.
 *   <li>A Job with pods none of which is ready: a container waits (an image that does not pull, a
 *       missing ConfigMap or Secret) or the pod cannot be scheduled. The pods say why, but the
 *       operator does not watch pods before they fail (see {@link AttemptCaches#FAILED}), so they
 *       are read here.
 * </ul>
 *
 * <p>Events have no index the API server could use, so each lookup of them filters every Event of
 * the namespace. On a cluster too busy to create pods quickly, many Jobs wait for pods at once; one
 * lookup per Job would then stall every reconcile thread on those LISTs (the benchmark saw minutes
 * without a Job created). So: a lookup only after {@link #GRACE}, served from the API server's
 * watch cache (resourceVersion 0), at most one at a time in the process (a pass that finds one in
 * flight waits {@link #TURN_WAIT} at most, then skips its own and looks again later) and one a
 * second ({@link #lookups}), and again only every {@link #RECHECK}.
 *
 * <p>Once a cause is known it stays in the status until the Job gets a pod (a ready one, for the
 * second kind), ends, or a lookup finds another cause: a lookup that fails, finds nothing or is
 * skipped is no evidence (Events expire, and the watch cache can lag), and dropping the cause for a
 * pass would rewrite the status and repeat the Warning Event the pass after.
 */
final class StalledAttempts {

  /** How the Job shows it makes no progress; each kind is looked up its own way. */
  enum Stall {
    NO_POD,
    NO_READY_POD
  }

  /** How long a new Job may go without a (ready) pod before anyone asks why. */
  static final Duration GRACE = Duration.ofSeconds(30);

  /** How often to look again while a Job still makes no progress. */
  static final Duration RECHECK = Duration.ofSeconds(60);

  /** How long the cause of a task that no pass checks any more is kept (see forgetUnseen). */
  static final Duration FORGET_AFTER = Duration.ofMinutes(30);

  static final int LOOKUP_BURST = 5;

  static final double LOOKUPS_PER_SECOND = 1;

  /** How long a pass waits for another's lookup to end before it skips its own. */
  static final Duration TURN_WAIT = Duration.ofMillis(200);

  private static final int MAX_MESSAGE = 300;

  private static final ListOptions FROM_WATCH_CACHE =
      new ListOptionsBuilder().withResourceVersion("0").build();

  /**
   * Lookups in the process, at most: {@link #LOOKUP_BURST} at once, then one a second. A busy Job
   * controller is slow to count a Job's pods and their readiness, so on a busy cluster thousands of
   * Jobs look stalled that are not; the benchmark saw two lookups per attempt without this bound,
   * and the API server paid more for them than the pod watch they replace.
   */
  private final TokenBucket lookups = new TokenBucket(LOOKUPS_PER_SECOND, LOOKUP_BURST);

  private final Semaphore oneAtATime = new Semaphore(1);

  /**
   * Per task: its latest Job that makes no progress, and what the lookups found. In memory only:
   * after a restart the first pass simply looks again.
   */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  private final AtomicReference<Instant> lastSweep = new AtomicReference<>(Instant.EPOCH);

  /**
   * @param stall how the Job showed no progress when it was last seen; a change starts afresh
   * @param cause why, as a phrase for the status message, null while no lookup has said
   * @param lookedAt when it was last looked up
   * @param checkedAt the last pass of the task
   */
  private record Seen(
      String jobUid, Stall stall, String cause, Instant lookedAt, Instant checkedAt) {}

  /**
   * Marks the latest attempt blocked when its Job makes no progress and a lookup says why.
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
    Optional<Job> job = attempt == null ? Optional.empty() : runningJob(attempt, jobs);
    Optional<Stall> stall = job.flatMap(j -> stallOf(j, pods));
    if (stall.isEmpty()) {
      // The Job ended, is gone, or got (ready) pods: whatever blocked it no longer does.
      seen.remove(task);
      return Optional.empty();
    }
    String jobUid = job.get().getMetadata().getUid();
    Seen before = seen.get(task);
    if (before != null && !(before.jobUid().equals(jobUid) && before.stall() == stall.get())) {
      before = null;
    }
    if (before == null) {
      Instant created = Timestamps.parse(job.get().getMetadata().getCreationTimestamp());
      Duration age = created == null ? GRACE : Duration.between(created, now);
      if (age.compareTo(GRACE) < 0) {
        return Optional.of(GRACE.minus(age));
      }
    }
    Seen current = lookIfDue(client, job.get(), stall.get(), before, now);
    seen.put(task, current);
    if (current.cause() != null) {
      observed.put(latest, attempt.blocked(current.cause()));
    }
    Duration sinceLook = Duration.between(current.lookedAt(), now);
    return Optional.of(sinceLook.compareTo(RECHECK) < 0 ? RECHECK.minus(sinceLook) : RECHECK);
  }

  /**
   * The attempt's Job while it runs, unless its pods in the cache already say why it is blocked.
   */
  private static Optional<Job> runningJob(ObservedAttempt attempt, List<Job> jobs) {
    if (attempt.finished() || attempt.blockedBy() != null) {
      return Optional.empty();
    }
    return jobs.stream()
        .filter(j -> j.getMetadata().getName().equals(attempt.jobName()))
        .findFirst();
  }

  /**
   * How the Job shows that it makes no progress, if it does. The Job's own counts are read, not the
   * pod cache, which holds failed pods only. A Job controller that does not count ready pods
   * (before Kubernetes 1.24) leaves {@code ready} unset: no lookups for pods then. A suspended Job
   * makes no pods on purpose (a queue such as Kueue creates Jobs suspended and resumes them when it
   * admits them): it is waiting, not stalled.
   */
  static Optional<Stall> stallOf(Job job, List<Pod> cachedPods) {
    if (AttemptReader.isSuspended(job)) {
      return Optional.empty();
    }
    if (!hasCountedPods(job) && Ownership.podsOf(job, cachedPods).isEmpty()) {
      return Optional.of(Stall.NO_POD);
    }
    JobStatus status = job.getStatus();
    if (status != null
        && positive(status.getActive())
        && Integer.valueOf(0).equals(status.getReady())) {
      return Optional.of(Stall.NO_READY_POD);
    }
    return Optional.empty();
  }

  /**
   * What a lookup found, else what was known before: when no lookup was due, none could be made
   * (one is in flight) or it failed. A lookup that finds no cause keeps it too: FailedCreate Events
   * expire, and the watch cache it reads can lag.
   */
  private Seen lookIfDue(KubernetesClient client, Job job, Stall stall, Seen before, Instant now) {
    String jobUid = job.getMetadata().getUid();
    String known = before == null ? null : before.cause();
    if (before != null && before.lookedAt().plus(RECHECK).isAfter(now)) {
      return new Seen(jobUid, stall, known, before.lookedAt(), now);
    }
    if (!lookups.tryTake(now) || !takeLookupTurn()) {
      Instant lookedAt = before == null ? Instant.EPOCH : before.lookedAt();
      return new Seen(jobUid, stall, known, lookedAt, now);
    }
    try {
      Optional<String> cause =
          switch (stall) {
            case NO_POD ->
                newestFailedCreate(client, job).map(m -> "its pods cannot be created: " + m);
            case NO_READY_POD ->
                AttemptReader.whyBlocked(Ownership.podsOf(client, job, FROM_WATCH_CACHE));
          };
      return new Seen(jobUid, stall, cause.orElse(known), now, now);
    } catch (KubernetesClientException e) {
      // Only a better message is lost: the attempt still runs into its deadline.
      return new Seen(jobUid, stall, known, now, now);
    } finally {
      oneAtATime.release();
    }
  }

  /**
   * Waits a little for the lookup in flight: one takes milliseconds, and tasks whose Jobs were
   * created together reach {@link #GRACE} together. Gives up after {@link #TURN_WAIT}, so that a
   * slow API server holds each reconcile thread that long at most.
   */
  private boolean takeLookupTurn() {
    try {
      return oneAtATime.tryAcquire(TURN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * A task that is deleted (or no longer watched) has no further pass that could drop its entry.
   * Every watched task is reconciled at least every 10 minutes (maxReconciliationInterval), one
   * with a stalled Job every {@link #RECHECK}: an entry unseen for longer belongs to no task.
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
   * pod cache holds failed pods only: a Job whose only pod runs or succeeded shows none there.
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

  private static Optional<String> newestFailedCreate(KubernetesClient client, Job job) {
    return client
        .v1()
        .events()
        .inNamespace(job.getMetadata().getNamespace())
        .list(
            new ListOptionsBuilder()
                .withFieldSelector(
                    "involvedObject.uid=" + job.getMetadata().getUid() + ",reason=FailedCreate")
                .withResourceVersion(FROM_WATCH_CACHE.getResourceVersion())
                .build())
        .getItems()
        .stream()
        .max(Comparator.comparing(StalledAttempts::lastSeen))
        .map(Event::getMessage)
        .filter(Objects::nonNull)
        .map(m -> m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "..." : m);
  }

  private static String lastSeen(Event e) {
    return Objects.requireNonNullElse(
        e.getLastTimestamp(),
        Objects.requireNonNullElse(
            e.getEventTime() == null ? null : e.getEventTime().getTime(), ""));
  }
}
