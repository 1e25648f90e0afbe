package dev.deadletter.testing;

import dev.deadletter.jobs.AttemptLabels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jobs and pods as the Job controller and the kubelet leave them, for tests that read attempts:
 * built for unit tests, or created on an API server without controllers (kube-api-test), where the
 * test plays them. A Job or pod has one container, {@value #CONTAINER}, until told otherwise.
 */
public final class Attempts {

  public static final String CONTAINER = "main";

  /** The labels the Job controller puts on a Job, its pod template and its selector. */
  public static final List<String> GENERATED_LABELS =
      List.of(
          "controller-uid",
          "batch.kubernetes.io/controller-uid",
          "job-name",
          "batch.kubernetes.io/job-name");

  private static final String BACKOFF_LIMIT_EXCEEDED =
      "Job has reached the specified backoff limit";

  private Attempts() {}

  public static PodFixture pod(String name) {
    return new PodFixture(
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName(CONTAINER)
            .withImage("busybox")
            .endContainer()
            .endSpec());
  }

  public static JobFixture job(String name) {
    return new JobFixture(
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName(CONTAINER)
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec());
  }

  /** Goes on from this Job (a copy). */
  public static JobFixture job(Job job) {
    return new JobFixture(new JobBuilder(job));
  }

  /**
   * Fails the Job on the API server, as the Job controller does when a Job with backoffLimit 0 has
   * lost its pod; returns it as stored.
   */
  public static Job fail(KubernetesClient client, Job job, String at) {
    Job current = client.resource(job).get();
    return client.resource(job(current).failed(at).build()).updateStatus();
  }

  public static ContainerStatus terminated(
      String container, int exitCode, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(container)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withMessage(message)
        .endTerminated()
        .endState()
        .build();
  }

  public static ContainerStatus waiting(String container, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(container)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .endState()
        .build();
  }

  /** What pods and Jobs share: their metadata. */
  public abstract static class MetadataFixture<F extends MetadataFixture<F>> {
    final ObjectMetaBuilder metadata;

    MetadataFixture(ObjectMeta metadata) {
      this.metadata = new ObjectMetaBuilder(metadata);
    }

    @SuppressWarnings("unchecked")
    private F self() {
      return (F) this;
    }

    public F namespace(String namespace) {
      metadata.withNamespace(namespace);
      return self();
    }

    public F uid(String uid) {
      metadata.withUid(uid);
      return self();
    }

    public F createdAt(String timestamp) {
      metadata.withCreationTimestamp(timestamp);
      return self();
    }

    public F deleting(String timestamp) {
      metadata.withDeletionTimestamp(timestamp);
      return self();
    }

    public F label(String key, String value) {
      metadata.addToLabels(key, value);
      return self();
    }

    public F labels(Map<String, String> labels) {
      metadata.addToLabels(labels);
      return self();
    }

    public F annotations(Map<String, String> annotations) {
      metadata.addToAnnotations(annotations);
      return self();
    }

    /** The labels of an attempt's Job and pods. */
    public F ofAttempt(String task, int attempt) {
      return label(AttemptLabels.TASK, task).label(AttemptLabels.ATTEMPT, String.valueOf(attempt));
    }

    /** Controlled by this object (its Job, a CronJob, anything). */
    public F ownedBy(HasMetadata owner) {
      return ownedBy(
          owner.getApiVersion(),
          owner.getKind(),
          owner.getMetadata().getName(),
          owner.getMetadata().getUid());
    }

    public F ownedBy(String apiVersion, String kind, String name, String uid) {
      metadata.addToOwnerReferences(
          new OwnerReferenceBuilder()
              .withApiVersion(apiVersion)
              .withKind(kind)
              .withName(name)
              .withUid(uid)
              .withController(true)
              .build());
      return self();
    }
  }

  /** A pod of an attempt. */
  public static final class PodFixture extends MetadataFixture<PodFixture> {
    private final PodBuilder pod;

    private PodFixture(PodBuilder pod) {
      super(pod.buildMetadata());
      this.pod = pod;
    }

    /** Made by the Job of this name and uid. */
    public PodFixture ownedBy(String job, String jobUid) {
      return ownedBy("batch/v1", "Job", job, jobUid);
    }

    public PodFixture node(String node) {
      pod.editSpec().withNodeName(node).endSpec();
      return this;
    }

    /** Failed: the main container exited with this code. */
    public PodFixture exited(int exitCode, String reason, String message) {
      return failed(terminated(CONTAINER, exitCode, reason, message));
    }

    /** Failed, with these container statuses. */
    public PodFixture failed(ContainerStatus... containers) {
      pod.withNewStatus().withPhase("Failed").withContainerStatuses(containers).endStatus();
      return this;
    }

    public PodFixture running(String startedAt) {
      pod.withNewStatus()
          .withPhase("Running")
          .addNewContainerStatus()
          .withName(CONTAINER)
          .withNewState()
          .withNewRunning()
          .withStartedAt(startedAt)
          .endRunning()
          .endState()
          .endContainerStatus()
          .endStatus();
      return this;
    }

    /** Pending, the main container waiting. */
    public PodFixture waiting(String reason, String message) {
      pod.withNewStatus()
          .withPhase("Pending")
          .withContainerStatuses(Attempts.waiting(CONTAINER, reason, message))
          .endStatus();
      return this;
    }

    public Pod build() {
      return pod.withMetadata(metadata.build()).build();
    }

    /**
     * Creates the pod on the API server, then writes its status as the kubelet would; returns it as
     * stored.
     */
    public Pod create(KubernetesClient client) {
      Pod pod = build();
      PodStatus status = pod.getStatus();
      pod.setStatus(null);
      Pod created = client.resource(pod).create();
      if (status == null) {
        return created;
      }
      created.setStatus(status);
      return client.resource(created).updateStatus();
    }
  }

  /** A Job: an attempt's, or a user's that may be captured. */
  public static final class JobFixture extends MetadataFixture<JobFixture> {
    private final JobBuilder job;
    private final ObjectMetaBuilder podMetadata;

    private JobFixture(JobBuilder job) {
      super(job.buildMetadata());
      this.job = job;
      ObjectMeta template = job.buildSpec().getTemplate().getMetadata();
      podMetadata = template == null ? new ObjectMetaBuilder() : new ObjectMetaBuilder(template);
    }

    public JobFixture podLabel(String key, String value) {
      podMetadata.addToLabels(key, value);
      return this;
    }

    public JobFixture podAnnotation(String key, String value) {
      podMetadata.addToAnnotations(key, value);
      return this;
    }

    public JobFixture backoffLimit(int limit) {
      job.editSpec().withBackoffLimit(limit).endSpec();
      return this;
    }

    /** Every label of {@link #GENERATED_LABELS}. */
    public JobFixture generatedLabels() {
      return generatedLabels(GENERATED_LABELS);
    }

    /**
     * These of the labels the Job controller adds (with the Job's uid or name), on the Job, its pod
     * template and its selector; the selector is the generated one if they include {@code
     * batch.kubernetes.io/controller-uid}, else a manual one.
     */
    public JobFixture generatedLabels(Collection<String> keys) {
      for (String key : keys) {
        String value = key.endsWith("uid") ? metadata.getUid() : metadata.getName();
        label(key, value).podLabel(key, value);
        job.editSpec().editOrNewSelector().addToMatchLabels(key, value).endSelector().endSpec();
      }
      job.editSpec()
          .withManualSelector(!keys.contains("batch.kubernetes.io/controller-uid"))
          .endSpec();
      return this;
    }

    public JobFixture running() {
      return status(new JobStatusBuilder().withActive(1).build());
    }

    /** Failed on backoffLimit 0, at this time. */
    public JobFixture failed(String at) {
      return failed("BackoffLimitExceeded", BACKOFF_LIMIT_EXCEEDED, at);
    }

    /** Failed with this reason and message: FailureTarget, then Failed, as the controller does. */
    public JobFixture failed(String reason, String message, String at) {
      return status(
          new JobStatusBuilder()
              .withStartTime(metadata.getCreationTimestamp())
              .withFailed(1)
              .withConditions(
                  condition("FailureTarget", reason, message, at),
                  condition("Failed", reason, message, at))
              .build());
    }

    /** Succeeded at this time: SuccessCriteriaMet, then Complete, as the controller does. */
    public JobFixture complete(String at) {
      return status(
          new JobStatusBuilder()
              .withStartTime(metadata.getCreationTimestamp())
              .withSucceeded(1)
              .withConditions(
                  condition("SuccessCriteriaMet", null, null, at),
                  condition("Complete", null, null, at))
              .build());
    }

    private static JobCondition condition(String type, String reason, String message, String at) {
      return new JobConditionBuilder()
          .withType(type)
          .withStatus("True")
          .withReason(reason)
          .withMessage(message)
          .withLastTransitionTime(at)
          .withLastProbeTime(at)
          .build();
    }

    public JobFixture status(JobStatus status) {
      job.withStatus(status);
      return this;
    }

    public Job build() {
      return job.withMetadata(metadata.build())
          .editSpec()
          .editTemplate()
          .withMetadata(podMetadata.build())
          .endTemplate()
          .endSpec()
          .build();
    }
  }
}
