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
 * pruning.
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
    TAKEN
  }

  private final DeadLetterTask task;
  private final NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs;

  public AttemptJobs(KubernetesClient client, DeadLetterTask task) {
    this.task = task;
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

  public void delete(String jobName) {
    jobs.withName(jobName).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  private Optional<Job> ours(Job job) {
    return Optional.ofNullable(job)
        .filter(j -> Ownership.controlledBy(j, task.getMetadata().getUid()));
  }
}
