package dev.deadletter.testing;

import dev.deadletter.jobs.AttemptLabels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
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

  private static OwnerReference controller(
      String apiVersion, String kind, String name, String uid) {
    return new OwnerReferenceBuilder()
        .withApiVersion(apiVersion)
        .withKind(kind)
        .withName(name)
        .withUid(uid)
        .withController(true)
        .build();
  }

  /** A pod of an attempt. */
  public static final class PodFixture {
    private final PodBuilder pod;

    private PodFixture(PodBuilder pod) {
      this.pod = pod;
    }

    public PodFixture namespace(String namespace) {
      pod.editMetadata().withNamespace(namespace).endMetadata();
      return this;
    }

    public PodFixture createdAt(String timestamp) {
      pod.editMetadata().withCreationTimestamp(timestamp).endMetadata();
      return this;
    }

    public PodFixture deleting(String timestamp) {
      pod.editMetadata().withDeletionTimestamp(timestamp).endMetadata();
      return this;
    }

    public PodFixture label(String key, String value) {
      pod.editMetadata().addToLabels(key, value).endMetadata();
      return this;
    }

    public PodFixture labels(Map<String, String> labels) {
      pod.editMetadata().addToLabels(labels).endMetadata();
      return this;
    }

    /** The labels an attempt Job's pods carry. */
    public PodFixture ofAttempt(String task, int attempt) {
      return label(AttemptLabels.TASK, task).label(AttemptLabels.ATTEMPT, String.valueOf(attempt));
    }

    /** Made by this Job: its controller reference. */
    public PodFixture ownedBy(Job job) {
      return ownedBy(job.getMetadata().getName(), job.getMetadata().getUid());
    }

    public PodFixture ownedBy(String job, String jobUid) {
      pod.editMetadata()
          .addToOwnerReferences(controller("batch/v1", "Job", job, jobUid))
          .endMetadata();
      return this;
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
      return pod.build();
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
  public static final class JobFixture {
    private final JobBuilder job;

    private JobFixture(JobBuilder job) {
      this.job = job;
    }

    public JobFixture namespace(String namespace) {
      job.editMetadata().withNamespace(namespace).endMetadata();
      return this;
    }

    public JobFixture uid(String uid) {
      job.editMetadata().withUid(uid).endMetadata();
      return this;
    }

    public JobFixture createdAt(String timestamp) {
      job.editMetadata().withCreationTimestamp(timestamp).endMetadata();
      return this;
    }

    public JobFixture label(String key, String value) {
      job.editMetadata().addToLabels(key, value).endMetadata();
      return this;
    }

    public JobFixture labels(Map<String, String> labels) {
      job.editMetadata().addToLabels(labels).endMetadata();
      return this;
    }

    public JobFixture annotations(Map<String, String> annotations) {
      job.editMetadata().addToAnnotations(annotations).endMetadata();
      return this;
    }

    public JobFixture podLabel(String key, String value) {
      job.editSpec()
          .editTemplate()
          .editOrNewMetadata()
          .addToLabels(key, value)
          .endMetadata()
          .endTemplate()
          .endSpec();
      return this;
    }

    public JobFixture podAnnotation(String key, String value) {
      job.editSpec()
          .editTemplate()
          .editOrNewMetadata()
          .addToAnnotations(key, value)
          .endMetadata()
          .endTemplate()
          .endSpec();
      return this;
    }

    /** The labels of an attempt Job. */
    public JobFixture ofAttempt(String task, int attempt) {
      return label(AttemptLabels.TASK, task).label(AttemptLabels.ATTEMPT, String.valueOf(attempt));
    }

    /** Controlled by this object (a CronJob, or anything that is not a task). */
    public JobFixture ownedBy(HasMetadata owner) {
      return ownedBy(
          owner.getApiVersion(),
          owner.getKind(),
          owner.getMetadata().getName(),
          owner.getMetadata().getUid());
    }

    public JobFixture ownedBy(String apiVersion, String kind, String name, String uid) {
      job.editMetadata()
          .addToOwnerReferences(controller(apiVersion, kind, name, uid))
          .endMetadata();
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
      Job built = job.build();
      for (String key : keys) {
        String value =
            key.endsWith("uid") ? built.getMetadata().getUid() : built.getMetadata().getName();
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
              .withStartTime(job.buildMetadata().getCreationTimestamp())
              .withFailed(1)
              .withConditions(
                  new JobConditionBuilder()
                      .withType("FailureTarget")
                      .withStatus("True")
                      .withReason(reason)
                      .withMessage(message)
                      .withLastTransitionTime(at)
                      .withLastProbeTime(at)
                      .build(),
                  new JobConditionBuilder()
                      .withType("Failed")
                      .withStatus("True")
                      .withReason(reason)
                      .withMessage(message)
                      .withLastTransitionTime(at)
                      .withLastProbeTime(at)
                      .build())
              .build());
    }

    /** Succeeded at this time: SuccessCriteriaMet, then Complete, as the controller does. */
    public JobFixture complete(String at) {
      return status(
          new JobStatusBuilder()
              .withStartTime(job.buildMetadata().getCreationTimestamp())
              .withSucceeded(1)
              .withConditions(
                  new JobConditionBuilder()
                      .withType("SuccessCriteriaMet")
                      .withStatus("True")
                      .withLastTransitionTime(at)
                      .build(),
                  new JobConditionBuilder()
                      .withType("Complete")
                      .withStatus("True")
                      .withLastTransitionTime(at)
                      .build())
              .build());
    }

    public JobFixture status(JobStatus status) {
      job.withStatus(status);
      return this;
    }

    public Job build() {
      return job.build();
    }
  }
}
