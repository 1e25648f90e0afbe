package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.jobs.AttemptJobs;
import dev.deadletter.jobs.AttemptObservations;
import dev.deadletter.jobs.AttemptObservations.Read;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.Observation;
import dev.deadletter.policy.ObservedAttempt;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The observe step of a pass: one {@link Observation} of a task from the caches of its attempt Jobs
 * and their failed pods, corrected by reads from the API server where the caches lag, with what
 * blocks a running attempt that makes no progress ({@link StalledAttempts}). One per controller: it
 * holds the caches, and what the lookups of stalled attempts found.
 */
public final class AttemptObserver {

  private final Clock clock;
  private final StalledAttempts stalledAttempts = new StalledAttempts();
  // Set once by prepareEventSources, which JOSDK calls before any reconcile.
  private AttemptCaches caches;

  public AttemptObserver(Clock clock) {
    this.clock = clock;
  }

  /** The event sources that fill the caches, for the controller's prepareEventSources. */
  public List<EventSource<?, DeadLetterTask>> prepareEventSources(
      EventSourceContext<DeadLetterTask> context) {
    AttemptCaches.Prepared prepared = AttemptCaches.prepare(context);
    caches = prepared.caches();
    return prepared.sources();
  }

  public Observation observe(Context<DeadLetterTask> context, DeadLetterTask task) {
    List<Pod> pods = caches.pods(context, task);
    List<Job> jobs = caches.jobs(context, task);
    return observe(context.getClient(), task, jobs, pods);
  }

  /**
   * The task's attempts as the caches show them, corrected where the caches lag: a latest attempt
   * missing from the Job cache is read from the API server, and a failure about to be recorded
   * without an exit code is read again with its pods from the API server ({@link FailedPods}), that
   * Job included: when the Job cache lags, the pod cache may too. A failed attempt's container is
   * taken from the same pods its failure was read from.
   */
  Observation observe(
      KubernetesClient client, DeadLetterTask task, List<Job> cachedJobs, List<Pod> cachedPods) {
    Map<Integer, Read> reads = new HashMap<>(AttemptObservations.of(task, cachedJobs, cachedPods));
    confirmLatestAttempt(new AttemptJobs(client, task), task, reads, cachedPods);
    FailedPods.confirm(client, task, reads);

    Instant now = clock.instant();
    Map<Integer, ObservedAttempt> attempts = new HashMap<>();
    Map<Integer, ContainerRef> failedContainers = new HashMap<>();
    reads.forEach(
        (number, read) -> {
          attempts.put(number, read.observed());
          if (read.observed().state() == ObservedAttempt.State.FAILED) {
            AttemptReader.failedContainer(read.pods())
                .ifPresent(c -> failedContainers.put(number, c));
          }
        });
    int latest = task.getStatus() == null ? 0 : task.getStatus().getAttempts();
    Optional<Duration> lookAgain =
        stalledAttempts.check(
            client,
            task.getMetadata().getNamespace() + "/" + task.getMetadata().getName(),
            latest,
            attempts,
            cachedJobs,
            cachedPods,
            now);
    return new Observation(attempts, null, failedContainers, lookAgain.orElse(null), now, Map.of());
  }

  /**
   * The status says attempt N was created but the cache has no Job N. The cache may lag our own
   * create (a watch event in flight), so ask the API once before the decider calls the attempt
   * deleted.
   */
  private static void confirmLatestAttempt(
      AttemptJobs attemptJobs, DeadLetterTask task, Map<Integer, Read> reads, List<Pod> pods) {
    DeadLetterTaskStatus status = task.getStatus();
    if (status == null || status.getAttempts() == 0 || reads.containsKey(status.getAttempts())) {
      return;
    }
    int latest = status.getAttempts();
    if (status.getHistory().stream().anyMatch(r -> r.getAttempt() == latest)) {
      return;
    }
    attemptJobs
        .read(latest)
        .ifPresent(job -> reads.put(latest, Read.of(latest, job, Ownership.podsOf(job, pods))));
  }
}
