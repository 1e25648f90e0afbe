package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.net.HttpURLConnection;
import java.util.Optional;

/**
 * The API calls a pass makes on one task's attempt Jobs: a confirming read, the create, the
 * pruning. The create and the deletions are sent only while {@link Leadership} says this process
 * may.
 */
public final class AttemptJobs {

  /** How a create ended. */
  public enum Created {
    CREATED,
    /**
     * AlreadyExists, and the Job is ours: an earlier pass created it and died before its status
     * write.
     */
    ALREADY_OURS,
    /** AlreadyExists, but another owner's (e.g. a deleted task of the same name): never adopted. */
    TAKEN,
    /** Not sent: this process may no longer hold the leader Lease. */
    NOT_LEADER
  }

  private final DeadLetterTask task;
  private final Leadership leadership;
  private final NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs;

  public AttemptJobs(KubernetesClient client, DeadLetterTask task) {
    this(client, task, Leadership.ALWAYS);
  }

  public AttemptJobs(KubernetesClient client, DeadLetterTask task, Leadership leadership) {
    this.task = task;
    this.leadership = leadership;
    this.jobs = client.batch().v1().jobs().inNamespace(task.getMetadata().getNamespace());
  }

  /** The task's own Job of this attempt, read from the API server rather than the cache. */
  public Optional<Job> read(int attempt) {
    return ours(
        jobs.withName(DeadLetterTask.attemptJobName(task.getMetadata().getName(), attempt)).get());
  }

  /**
   * @throws KubernetesClientException for every refusal but AlreadyExists
   */
  public Created create(Job job) {
    if (!leadership.holdsLease()) {
      return Created.NOT_LEADER;
    }
    try {
      jobs.resource(job).create();
      return Created.CREATED;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return ours(jobs.withName(job.getMetadata().getName()).get()).isPresent()
          ? Created.ALREADY_OURS
          : Created.TAKEN;
    }
  }

  /**
   * @return false if not sent: this process may no longer hold the leader Lease
   */
  public boolean delete(String jobName) {
    if (!leadership.holdsLease()) {
      return false;
    }
    jobs.withName(jobName).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    return true;
  }

  private Optional<Job> ours(Job job) {
    return Optional.ofNullable(job)
        .filter(j -> Ownership.controlledBy(j, task.getMetadata().getUid()));
  }
}
