package dev.deadletter.jobs;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.AttemptMutations;
import dev.deadletter.policy.AttemptMutations.ResourceValue;
import dev.deadletter.policy.EffectivePolicy;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Builds the Job for one attempt of a task from its template. */
public final class AttemptJobFactory {

  public static final String ENV_ATTEMPT = "DEADLETTER_ATTEMPT";
  public static final String ENV_MAX_ATTEMPTS = "DEADLETTER_MAX_ATTEMPTS";
  public static final String ENV_PREVIOUS_EXIT_CODE = "DEADLETTER_PREVIOUS_EXIT_CODE";
  public static final String ENV_PREVIOUS_REASON = "DEADLETTER_PREVIOUS_REASON";
  public static final String ENV_TASK_UID = "DEADLETTER_TASK_UID";
  public static final String ENV_MUTATIONS = "DEADLETTER_MUTATIONS";

  /** The node field that node affinity can match exactly (a hostname label may differ). */
  static final String NODE_NAME_FIELD = "metadata.name";

  private AttemptJobFactory() {}

  public static Job build(
      DeadLetterTask task,
      EffectivePolicy policy,
      int attempt,
      Integer previousExitCode,
      String previousReason) {
    return build(task, policy, attempt, previousExitCode, previousReason, AttemptMutations.NONE);
  }

  /**
   * The attempt Job, with the rules' mutations applied over the template: only the resources,
   * activeDeadlineSeconds and node affinity they name change.
   */
  public static Job build(
      DeadLetterTask task,
      EffectivePolicy policy,
      int attempt,
      Integer previousExitCode,
      String previousReason,
      AttemptMutations mutations) {
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
    if (!mutations.isEmpty()) {
      meta.setAnnotations(
          merge(
              templateMeta.getAnnotations(),
              Map.of(AttemptMutations.ANNOTATION, mutations.summary())));
    }
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
    if (mutations.activeDeadlineSeconds() != null) {
      spec.setActiveDeadlineSeconds(mutations.activeDeadlineSeconds());
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
              new EnvVar(ENV_TASK_UID, task.getMetadata().getUid(), null),
              new EnvVar(ENV_MUTATIONS, mutations.summary(), null));
      applyResources(pod.getSpec(), mutations);
      avoidNodes(pod.getSpec(), mutations);
      addEnv(pod.getSpec().getInitContainers(), env);
      addEnv(pod.getSpec().getContainers(), env);
    }
    spec.setTemplate(pod);

    Job job = new Job();
    job.setMetadata(meta);
    job.setSpec(spec);
    return job;
  }

  private static void applyResources(PodSpec pod, AttemptMutations mutations) {
    for (ResourceValue v : mutations.resources()) {
      Stream.concat(
              pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream(),
              pod.getContainers() == null ? Stream.empty() : pod.getContainers().stream())
          .filter(c -> v.container().equals(c.getName()))
          .forEach(
              c -> {
                ResourceRequirements r = c.getResources();
                Map<String, Quantity> values =
                    "limits".equals(v.kind()) ? r.getLimits() : r.getRequests();
                Map<String, Quantity> copy = new HashMap<>(values);
                copy.put(v.resource(), new Quantity(v.quantity()));
                if ("limits".equals(v.kind())) {
                  r.setLimits(copy);
                } else {
                  r.setRequests(copy);
                }
              });
    }
  }

  /**
   * Required: a NotIn on the node name is added to every term of the template's required node
   * selector (its terms are ORed), or forms the only term. Preferred: one more preferred term,
   * weight 100, next to the template's own.
   */
  private static void avoidNodes(PodSpec pod, AttemptMutations mutations) {
    if (mutations.requiredAvoid().isEmpty() && mutations.preferredAvoid().isEmpty()) {
      return;
    }
    Affinity affinity = pod.getAffinity() == null ? new Affinity() : pod.getAffinity();
    NodeAffinity node =
        affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
    if (!mutations.requiredAvoid().isEmpty()) {
      NodeSelectorRequirement notIn =
          new NodeSelectorRequirement(NODE_NAME_FIELD, "NotIn", mutations.requiredAvoid());
      NodeSelector required = node.getRequiredDuringSchedulingIgnoredDuringExecution();
      if (required == null
          || required.getNodeSelectorTerms() == null
          || required.getNodeSelectorTerms().isEmpty()) {
        required = new NodeSelector(List.of(new NodeSelectorTerm(null, List.of(notIn))));
      } else {
        for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
          List<NodeSelectorRequirement> fields =
              new ArrayList<>(term.getMatchFields() == null ? List.of() : term.getMatchFields());
          fields.add(notIn);
          term.setMatchFields(fields);
        }
      }
      node.setRequiredDuringSchedulingIgnoredDuringExecution(required);
    }
    if (!mutations.preferredAvoid().isEmpty()) {
      List<PreferredSchedulingTerm> preferred =
          new ArrayList<>(
              node.getPreferredDuringSchedulingIgnoredDuringExecution() == null
                  ? List.of()
                  : node.getPreferredDuringSchedulingIgnoredDuringExecution());
      preferred.add(
          new PreferredSchedulingTerm(
              new NodeSelectorTerm(
                  null,
                  List.of(
                      new NodeSelectorRequirement(
                          NODE_NAME_FIELD, "NotIn", mutations.preferredAvoid()))),
              100));
      node.setPreferredDuringSchedulingIgnoredDuringExecution(preferred);
    }
    affinity.setNodeAffinity(node);
    pod.setAffinity(affinity);
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
