package dev.deadletter.jobs;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;
import java.util.List;

/**
 * The one way to tell what an object belongs to: its controller owner reference's UID. Exact,
 * unlike a name or a label (job-name, controller-uid), which a later object of the same name
 * shares, or anyone can set.
 */
public final class Ownership {

  /** The label the Job controller puts on each pod of a Job (Kubernetes 1.27+). */
  public static final String JOB_UID_LABEL = "batch.kubernetes.io/controller-uid";

  private Ownership() {}

  /**
   * The pods of {@code job}, read from the API server: the Job controller's label narrows the list
   * on the server, the owner reference decides.
   */
  public static List<Pod> podsOf(KubernetesClient client, Job job, ListOptions options) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(job.getMetadata().getNamespace())
            .withLabel(JOB_UID_LABEL, job.getMetadata().getUid())
            .list(options)
            .getItems();
    return podsOf(job, pods);
  }

  public static boolean controlledBy(HasMetadata child, String ownerUid) {
    return child.getMetadata().getOwnerReferences() != null
        && child.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && ownerUid.equals(o.getUid()));
  }

  /** The pods of {@code job} among {@code pods}. */
  public static List<Pod> podsOf(Job job, Collection<Pod> pods) {
    return pods.stream().filter(p -> controlledBy(p, job.getMetadata().getUid())).toList();
  }
}
