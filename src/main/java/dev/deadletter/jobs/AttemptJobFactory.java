package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.EffectivePolicy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the Job for one attempt of a task from its template. */
public final class AttemptJobFactory {

  public static final String ENV_ATTEMPT = "DEADLETTER_ATTEMPT";
  public static final String ENV_MAX_ATTEMPTS = "DEADLETTER_MAX_ATTEMPTS";
  public static final String ENV_PREVIOUS_EXIT_CODE = "DEADLETTER_PREVIOUS_EXIT_CODE";
  public static final String ENV_PREVIOUS_REASON = "DEADLETTER_PREVIOUS_REASON";
  public static final String ENV_TASK_UID = "DEADLETTER_TASK_UID";

  private AttemptJobFactory() {}

  public static Job build(
      DeadLetterTask task,
      EffectivePolicy policy,
      int attempt,
      Integer previousExitCode,
      String previousReason) {
    // Deep copy: the task comes from the informer cache and must not be mutated.
    JobTemplateSpec template = Serialization.clone(task.getSpec().getJobTemplate());
    String name = DeadLetterTask.attemptJobName(task.getMetadata().getName(), attempt);
    Map<String, String> labels = attemptLabels(task, attempt);

    ObjectMeta templateMeta =
        template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(task.getMetadata().getNamespace());
    meta.setLabels(merge(templateMeta.getLabels(), labels));
    meta.setAnnotations(templateMeta.getAnnotations());
    meta.setOwnerReferences(
        List.of(
            new OwnerReferenceBuilder()
                .withApiVersion(task.getApiVersion())
                .withKind(task.getKind())
                .withName(task.getMetadata().getName())
                .withUid(task.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build()));

    JobSpec spec = template.getSpec() == null ? new JobSpec() : template.getSpec();
    if (spec.getBackoffLimit() == null) {
      spec.setBackoffLimit(0); // one attempt is one pod: the operator owns the retry timing
    }
    // Refused at admission. A task stored before that rule must not let the TTL controller delete
    // an attempt before its outcome is in status: spec.historyLimits bound the Jobs instead.
    spec.setTtlSecondsAfterFinished(null);
    if (spec.getActiveDeadlineSeconds() == null) {
      policy
          .attemptTimeout()
          .ifPresent(t -> spec.setActiveDeadlineSeconds(Math.max(1, t.toSeconds())));
    }
    PodTemplateSpec pod = spec.getTemplate() == null ? new PodTemplateSpec() : spec.getTemplate();
    ObjectMeta podMeta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
    podMeta.setLabels(merge(podMeta.getLabels(), labels));
    pod.setMetadata(podMeta);
    if (pod.getSpec() != null) {
      List<EnvVar> env =
          List.of(
              new EnvVar(ENV_ATTEMPT, String.valueOf(attempt), null),
              new EnvVar(ENV_MAX_ATTEMPTS, String.valueOf(policy.maxAttempts()), null),
              new EnvVar(
                  ENV_PREVIOUS_EXIT_CODE,
                  previousExitCode == null ? "" : previousExitCode.toString(),
                  null),
              new EnvVar(ENV_PREVIOUS_REASON, previousReason == null ? "" : previousReason, null),
              new EnvVar(ENV_TASK_UID, task.getMetadata().getUid(), null));
      addEnv(pod.getSpec().getInitContainers(), env);
      addEnv(pod.getSpec().getContainers(), env);
    }
    spec.setTemplate(pod);

    Job job = new Job();
    job.setMetadata(meta);
    job.setSpec(spec);
    return job;
  }

  static Map<String, String> attemptLabels(DeadLetterTask task, int attempt) {
    return Map.of(
        AttemptLabels.TASK,
        task.getMetadata().getName(),
        AttemptLabels.ATTEMPT,
        String.valueOf(attempt));
  }

  private static Map<String, String> merge(Map<String, String> base, Map<String, String> ours) {
    Map<String, String> merged = new HashMap<>(base == null ? Map.of() : base);
    merged.putAll(ours);
    return merged;
  }

  /** Ours replace same-named variables of the template, so the workload can trust them. */
  private static void addEnv(List<Container> containers, List<EnvVar> ours) {
    if (containers == null) {
      return;
    }
    for (Container c : containers) {
      List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
      env.removeIf(e -> ours.stream().anyMatch(o -> o.getName().equals(e.getName())));
      env.addAll(ours);
      c.setEnv(env);
    }
  }
}
