package dev.deadletter.capture;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.jobs.AttemptLabels;
import dev.deadletter.jobs.AttemptReader;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.TaskEvent;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns a failed Job that opted in into a DeadLetterTask, once. A Job opts in with the label
 * deadletter.dev/capture=true, or (when labelled namespaces are enabled) by being in a namespace
 * labelled so and not labelled deadletter.dev/capture=false itself. The Job itself is left to its
 * owner; it only gets the annotation deadletter.dev/captured-as, so the capture is not repeated. An
 * install that runs only some tasks (TASK_LABEL_SELECTOR) captures only the Jobs whose task it
 * would run, so that with shards every Job is captured once and its task is run.
 */
@ControllerConfiguration(
    name = "capture",
    // A Job fails by a status change, which does not change its generation.
    generationAwareEventProcessing = false,
    // Only opted-in Jobs are cached, and never the operator's own attempt Jobs (no capture loops).
    informer =
        @Informer(labelSelector = CapturedTask.CAPTURE_LABEL + "=true,!" + AttemptLabels.TASK))
public class CaptureReconciler implements Reconciler<Job> {

  private static final Logger log = LoggerFactory.getLogger(CaptureReconciler.class);

  /** With labelled namespaces, every Job but the operator's own must be watched. */
  public static final String ALL_BUT_ATTEMPTS_SELECTOR = "!" + AttemptLabels.TASK;

  private final TaskEventRecorder events;
  private final RetryPolicy defaultPolicy;
  private final boolean labelledNamespaces;
  private final TaskSelector taskSelector;

  /**
   * @param defaultPolicy the policy of tasks whose Job has no (valid) retry-policy annotation; may
   *     be null for the built-in defaults
   * @param labelledNamespaces also capture Jobs of namespaces labelled deadletter.dev/capture=true;
   *     register the controller with {@link #ALL_BUT_ATTEMPTS_SELECTOR} then
   * @param taskSelector the tasks this install runs (TASK_LABEL_SELECTOR): it captures only Jobs
   *     whose task it would run, so that with shards each Job is captured once, by its own shard
   */
  public CaptureReconciler(
      TaskEventRecorder events,
      RetryPolicy defaultPolicy,
      boolean labelledNamespaces,
      TaskSelector taskSelector) {
    this.events = events;
    this.defaultPolicy = defaultPolicy;
    this.labelledNamespaces = labelledNamespaces;
    this.taskSelector = taskSelector;
  }

  @Override
  public UpdateControl<Job> reconcile(Job job, Context<Job> context) {
    Map<String, String> annotations = job.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(CapturedTask.CAPTURED_AS_ANNOTATION)) {
      return UpdateControl.noUpdate();
    }
    // The Job's own Failed condition, not AttemptReader's view of an attempt: a Job with a
    // deletionTimestamp is an attempt that failed to the operator, but a Job of someone else's that
    // is deleted while it runs (foreground cascade, an Argo CD prune) was cancelled, not failed.
    if (!taskSelector.matches(CapturedTask.labels(job))
        || !AttemptReader.hasFailedCondition(job)
        || !optedIn(context.getClient(), job)) {
      return UpdateControl.noUpdate();
    }
    ObservedAttempt observed = AttemptReader.read(0, job, pods(context.getClient(), job));
    try (var ignored =
        MDC.putCloseable(
            "job", job.getMetadata().getNamespace() + "/" + job.getMetadata().getName())) {
      String taskName =
          capture(context.getClient(), job, observed.failure(), observed.finishTime());
      // Marks the Job so that the capture happens once; a crash before this finds the task on the
      // next pass.
      context
          .getClient()
          .batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName())
          .edit(
              j -> {
                if (j.getMetadata().getAnnotations() == null) {
                  j.getMetadata().setAnnotations(new java.util.HashMap<>());
                }
                j.getMetadata().getAnnotations().put(CapturedTask.CAPTURED_AS_ANNOTATION, taskName);
                return j;
              });
    }
    return UpdateControl.noUpdate();
  }

  private String capture(
      KubernetesClient client, Job job, FailureDetails failure, Instant failedAt) {
    RetryPolicy policy = defaultPolicy;
    String policyText =
        job.getMetadata().getAnnotations() == null
            ? null
            : job.getMetadata().getAnnotations().get(CapturedTask.RETRY_POLICY_ANNOTATION);
    if (policyText != null) {
      try {
        policy = RetryPolicies.parse(policyText);
      } catch (IllegalArgumentException e) {
        invalidPolicy(job, e.getMessage());
      }
    }
    DeadLetterTask task = CapturedTask.build(job, failure, failedAt, policy);
    try {
      client.resource(task).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422 && policy != defaultPolicy) {
        // The schema rejected the annotation's policy: say so on the Job, capture with the default
        // one.
        invalidPolicy(job, e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
        task.getSpec().setRetryPolicy(defaultPolicy);
        client.resource(task).create();
      } else if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      } // AlreadyExists: captured by a pass that died before marking the Job
    }
    String name = task.getMetadata().getName();
    log.info("captured failed Job as DeadLetterTask {}", name);
    events.record(
        job,
        new TaskEvent(false, TaskEvent.CAPTURED, "captured as DeadLetterTask " + name)
            .about(
                new ObjectReferenceBuilder()
                    .withApiVersion(HasMetadata.getApiVersion(DeadLetterTask.class))
                    .withKind(HasMetadata.getKind(DeadLetterTask.class))
                    .withName(name)
                    .build()));
    return name;
  }

  private void invalidPolicy(Job job, String why) {
    log.warn("invalid {} annotation: {}", CapturedTask.RETRY_POLICY_ANNOTATION, why);
    events.record(
        job,
        new TaskEvent(
            true,
            TaskEvent.INVALID_RETRY_POLICY,
            "annotation "
                + CapturedTask.RETRY_POLICY_ANNOTATION
                + " ignored, the default policy applies: "
                + why));
  }

  /** Asked only of failed, uncaptured Jobs, so the namespace read is rare. */
  private boolean optedIn(KubernetesClient client, Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    String own = labels == null ? null : labels.get(CapturedTask.CAPTURE_LABEL);
    if (own != null || !labelledNamespaces) {
      return "true".equals(own);
    }
    Namespace namespace = client.namespaces().withName(job.getMetadata().getNamespace()).get();
    return namespace != null
        && namespace.getMetadata().getLabels() != null
        && "true".equals(namespace.getMetadata().getLabels().get(CapturedTask.CAPTURE_LABEL));
  }

  /**
   * The failed Job's pods, for the exit code; read once per captured failure, so not worth a cache.
   * The Job controller's label narrows the list on the server; the owner reference decides.
   */
  private static List<Pod> pods(KubernetesClient client, Job job) {
    return Ownership.podsOf(client, job, new ListOptions());
  }
}
