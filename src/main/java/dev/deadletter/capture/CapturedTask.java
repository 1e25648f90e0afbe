package dev.deadletter.capture;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.TaskSource;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.Sha256;
import dev.deadletter.policy.Timestamps;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How a failed Job becomes a DeadLetterTask: its name, its cleaned template and its source record.
 */
public final class CapturedTask {

  /** On a Job (or a CronJob's jobTemplate): capture it as a DeadLetterTask when it fails. */
  public static final String CAPTURE_LABEL = DeadLetterTask.GROUP + "/capture";

  /** On a captured Job: the retry policy of its task, as JSON or YAML. */
  public static final String RETRY_POLICY_ANNOTATION = DeadLetterTask.GROUP + "/retry-policy";

  /** On a captured task: the name of the Job it was captured from (when it fits a label value). */
  public static final String CAPTURED_FROM_LABEL = DeadLetterTask.GROUP + "/captured-from";

  /** Set on a Job once captured, so that deleting the task later does not capture the Job again. */
  public static final String CAPTURED_AS_ANNOTATION = DeadLetterTask.GROUP + "/captured-as";

  /**
   * Labels the Job controller adds. They name the failed Job, not the task, and a template carrying
   * them would clash with the new Jobs' selectors.
   */
  static final Set<String> JOB_CONTROLLER_LABELS =
      Set.of(
          "controller-uid",
          "batch.kubernetes.io/controller-uid",
          "job-name",
          "batch.kubernetes.io/job-name");

  /** Also not in a template: attempt Jobs do not opt in to capture. */
  private static final Set<String> NOT_IN_TEMPLATE =
      Stream.concat(JOB_CONTROLLER_LABELS.stream(), Stream.of(CAPTURE_LABEL))
          .collect(Collectors.toUnmodifiableSet());

  private static final int NAME_PREFIX = DeadLetterTask.MAX_NAME_LENGTH - 9;

  private CapturedTask() {}

  /**
   * {@code <job name, cut to 43>-<8 hex of the Job's UID>}: deterministic (a restart finds the same
   * task), unique per Job even for Jobs of the same name, and short enough for attempt Job names.
   */
  public static String taskName(Job job) {
    String prefix = job.getMetadata().getName();
    if (prefix.length() > NAME_PREFIX) {
      prefix = prefix.substring(0, NAME_PREFIX);
    }
    prefix = prefix.replaceAll("[-.]+$", "");
    return prefix + "-" + hash(job.getMetadata().getUid());
  }

  /**
   * The task's labels: the Job's own, so that with TASK_LABEL_SELECTOR sharding the install of the
   * Job's shard runs the task, without the Job controller's, and with {@link #CAPTURED_FROM_LABEL}.
   * The capture label may stay: capture watches Jobs only, and attempt Jobs take their labels from
   * the template, which drops it.
   */
  public static Map<String, String> labels(Job job) {
    Map<String, String> labels = new HashMap<>();
    if (job.getMetadata().getLabels() != null) {
      labels.putAll(job.getMetadata().getLabels());
    }
    labels.keySet().removeAll(JOB_CONTROLLER_LABELS);
    labels.remove(CAPTURED_FROM_LABEL); // ours to set
    if (job.getMetadata().getName().length() <= 63) {
      labels.put(CAPTURED_FROM_LABEL, job.getMetadata().getName());
    }
    return labels.isEmpty() ? null : labels;
  }

  public static DeadLetterTask build(
      Job job, FailureDetails failure, Instant failedAt, RetryPolicy policy) {
    DeadLetterTask task = new DeadLetterTask();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(taskName(job));
    meta.setNamespace(job.getMetadata().getNamespace());
    meta.setLabels(labels(job));
    task.setMetadata(meta);
    DeadLetterTaskSpec spec = new DeadLetterTaskSpec();
    spec.setJobTemplate(template(job));
    spec.setRetryPolicy(policy);
    spec.setSource(source(job, failure, failedAt));
    task.setSpec(spec);
    return task;
  }

  /** The Job's template without what the Job controller generated; the original is not changed. */
  public static JobTemplateSpec template(Job job) {
    Job copy = Serialization.clone(job);
    ObjectMeta meta = new ObjectMeta();
    meta.setLabels(withoutGenerated(copy.getMetadata().getLabels()));
    meta.setAnnotations(withoutOurs(copy.getMetadata().getAnnotations()));
    JobSpec spec = copy.getSpec();
    spec.setSelector(null);
    spec.setManualSelector(null);
    // A TTL could delete an attempt Job before its outcome is read; history limits keep Jobs
    // bounded instead.
    spec.setTtlSecondsAfterFinished(null);
    if (spec.getTemplate() != null && spec.getTemplate().getMetadata() != null) {
      ObjectMeta podMeta = spec.getTemplate().getMetadata();
      podMeta.setLabels(withoutGenerated(podMeta.getLabels()));
    }
    JobTemplateSpec template = new JobTemplateSpec();
    template.setMetadata(meta);
    template.setSpec(spec);
    return template;
  }

  static TaskSource source(Job job, FailureDetails failure, Instant failedAt) {
    TaskSource source = new TaskSource();
    source.setKind("Job");
    source.setName(job.getMetadata().getName());
    source.setUid(job.getMetadata().getUid());
    OwnerReference owner =
        job.getMetadata().getOwnerReferences() == null
            ? null
            : job.getMetadata().getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .findFirst()
                .orElse(null);
    if (owner != null) {
      source.setOwnerKind(owner.getKind());
      source.setOwnerName(owner.getName());
    }
    source.setFailedAt(Timestamps.format(failedAt));
    source.setReason(failure.primaryReason());
    source.setExitCode(failure.exitCode());
    source.setMessage(failure.message());
    return source;
  }

  private static Map<String, String> withoutGenerated(Map<String, String> labels) {
    if (labels == null) {
      return null;
    }
    Map<String, String> kept = new HashMap<>(labels);
    kept.keySet().removeAll(NOT_IN_TEMPLATE);
    return kept.isEmpty() ? null : kept;
  }

  private static Map<String, String> withoutOurs(Map<String, String> annotations) {
    if (annotations == null) {
      return null;
    }
    Map<String, String> kept = new HashMap<>(annotations);
    kept.keySet()
        .removeIf(
            k ->
                k.startsWith("batch.kubernetes.io/")
                    || k.equals(RETRY_POLICY_ANNOTATION)
                    || k.equals(CAPTURED_AS_ANNOTATION));
    return kept.isEmpty() ? null : kept;
  }

  private static String hash(String value) {
    return HexFormat.of().formatHex(Sha256.digest(value.getBytes(StandardCharsets.UTF_8)), 0, 4);
  }
}
