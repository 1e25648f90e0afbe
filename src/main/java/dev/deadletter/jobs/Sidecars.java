package dev.deadletter.jobs;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Native sidecars (Kubernetes 1.29+): init containers with restartPolicy Always. They run beside
 * the main containers and are stopped by the kubelet once those have ended, usually exiting 143
 * (SIGTERM), so how they end says nothing about how the attempt did.
 */
public final class Sidecars {

  private Sidecars() {}

  /**
   * @param initContainer an entry of spec.initContainers: the same field on a main container means
   *     something else
   */
  public static boolean isSidecar(Container initContainer) {
    return "Always".equals(initContainer.getRestartPolicy());
  }

  /** The names of a pod's native sidecars; none when its spec is not known. */
  public static Set<String> names(Pod pod) {
    return stripped(pod.getSpec()).stream().map(Container::getName).collect(Collectors.toSet());
  }

  /**
   * A pod's native sidecars with nothing but their name and restart policy: what {@link #names}
   * reads, for a copy of a pod that keeps little of its spec.
   */
  public static List<Container> stripped(PodSpec spec) {
    if (spec == null || spec.getInitContainers() == null) {
      return List.of();
    }
    return spec.getInitContainers().stream()
        .filter(Sidecars::isSidecar)
        .map(c -> named(c.getName(), c.getRestartPolicy()))
        .toList();
  }

  /** An init container that is only a name and a restart policy. */
  public static Container named(String name, String restartPolicy) {
    Container kept = new Container();
    kept.setName(name);
    kept.setRestartPolicy(restartPolicy);
    return kept;
  }
}
