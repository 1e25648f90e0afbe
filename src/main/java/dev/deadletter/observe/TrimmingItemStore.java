package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.Sidecars;
import dev.deadletter.policy.AttemptMutations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An informer store that keeps only what a pass reads: of an attempt Job or pod, metadata without
 * managedFields, the status, and the pod's node and native sidecars (by name); of a task,
 * everything but managedFields. The Job's pod template and the pod's spec are most of an object's
 * size, and every task keeps several of each, so this bounds the operator's heap by the number of
 * tasks rather than by the size of their templates.
 *
 * <p>Only for an event source that runs one informer: see {@link #fitsOneInformer}.
 */
public final class TrimmingItemStore<R extends HasMetadata> extends BasicItemStore<R> {

  private final UnaryOperator<R> trim;

  private TrimmingItemStore(UnaryOperator<R> trim) {
    super(Cache::metaNamespaceKeyFunc);
    this.trim = trim;
  }

  /**
   * Whether an event source watching these namespaces (as JOSDK names them) may be given a store.
   * JOSDK hands an event source's one store to the informer of each namespace, and a Fabric8
   * informer's list, at start and after a lost watch, removes from its store whatever that list
   * lacks: with two namespaces, each informer would drop the other's objects, and tasks would go
   * unseen. All namespaces, or exactly one, is one informer.
   */
  public static boolean fitsOneInformer(Set<String> namespaces) {
    return namespaces.size() == 1;
  }

  /** Tasks as they are, less managedFields (which grow with every field of status.history). */
  public static TrimmingItemStore<DeadLetterTask> forTasks() {
    return new TrimmingItemStore<>(
        task -> {
          task.getMetadata().setManagedFields(null); // a fresh object from the watch: ours to edit
          return task;
        });
  }

  /** The objects retry gates name: a gate reads only their status.conditions. */
  static TrimmingItemStore<GenericKubernetesResource> forGates() {
    return new TrimmingItemStore<>(TrimmingItemStore::trimGateObject);
  }

  static GenericKubernetesResource trimGateObject(GenericKubernetesResource object) {
    GenericKubernetesResource kept = new GenericKubernetesResource();
    kept.setApiVersion(object.getApiVersion());
    kept.setKind(object.getKind());
    kept.setMetadata(metadata(object.getMetadata()));
    if (object.getAdditionalProperties().get("status") instanceof Map<?, ?> status
        && status.get("conditions") != null) {
      kept.setAdditionalProperty("status", Map.of("conditions", status.get("conditions")));
    }
    return kept;
  }

  static TrimmingItemStore<Job> forJobs() {
    return new TrimmingItemStore<>(TrimmingItemStore::trimJob);
  }

  static TrimmingItemStore<Pod> forPods() {
    return new TrimmingItemStore<>(TrimmingItemStore::trimPod);
  }

  @Override
  public R put(String key, R obj) {
    return super.put(key, trim.apply(obj));
  }

  static Job trimJob(Job job) {
    Job kept = new Job();
    kept.setApiVersion(job.getApiVersion());
    kept.setKind(job.getKind());
    kept.setMetadata(metadata(job.getMetadata()));
    // The one annotation the history records: what the rules' mutate changed in the attempt.
    Map<String, String> annotations = job.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(AttemptMutations.ANNOTATION)) {
      kept.getMetadata()
          .setAnnotations(
              Map.of(AttemptMutations.ANNOTATION, annotations.get(AttemptMutations.ANNOTATION)));
    }
    kept.setStatus(job.getStatus());
    return kept;
  }

  static Pod trimPod(Pod pod) {
    Pod kept = new Pod();
    kept.setApiVersion(pod.getApiVersion());
    kept.setKind(pod.getKind());
    kept.setMetadata(metadata(pod.getMetadata()));
    List<Container> sidecars = Sidecars.stripped(pod.getSpec());
    if (pod.getSpec() != null && (pod.getSpec().getNodeName() != null || !sidecars.isEmpty())) {
      PodSpec spec = new PodSpec();
      spec.setNodeName(pod.getSpec().getNodeName());
      spec.setInitContainers(sidecars);
      kept.setSpec(spec);
    }
    kept.setStatus(pod.getStatus());
    return kept;
  }

  private static ObjectMeta metadata(ObjectMeta m) {
    ObjectMeta kept = new ObjectMeta();
    kept.setName(m.getName());
    kept.setNamespace(m.getNamespace());
    kept.setUid(m.getUid());
    kept.setResourceVersion(m.getResourceVersion());
    kept.setGeneration(m.getGeneration());
    kept.setCreationTimestamp(m.getCreationTimestamp());
    kept.setDeletionTimestamp(m.getDeletionTimestamp());
    kept.setLabels(m.getLabels());
    kept.setOwnerReferences(m.getOwnerReferences());
    kept.setFinalizers(m.getFinalizers());
    return kept;
  }
}
