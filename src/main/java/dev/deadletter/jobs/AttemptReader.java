package dev.deadletter.jobs;

import dev.deadletter.policy.AttemptMutations;
import dev.deadletter.policy.ContainerRef;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.Timestamps;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns an attempt Job and its pods into an {@link ObservedAttempt}: what the decider needs,
 * nothing more.
 */
public final class AttemptReader {

  /** Container reasons that say nothing beyond the exit code. */
  private static final Set<String> GENERIC_REASONS = Set.of("Error", "Completed");

  /** Waiting reasons that are part of a normal start. */
  private static final Set<String> NORMAL_WAITING = Set.of("ContainerCreating", "PodInitializing");

  private AttemptReader() {}

  /**
   * @param pods the pods of this Job (any order)
   */
  public static ObservedAttempt read(int attempt, Job job, List<Pod> pods) {
    Map<String, String> annotations = job.getMetadata().getAnnotations();
    return readState(attempt, job, pods)
        .withMutations(annotations == null ? null : annotations.get(AttemptMutations.ANNOTATION));
  }

  private static ObservedAttempt readState(int attempt, Job job, List<Pod> pods) {
    String name = job.getMetadata().getName();
    Instant started = Timestamps.parse(job.getMetadata().getCreationTimestamp());
    Optional<JobCondition> complete = trueCondition(job, "Complete");
    if (complete.isPresent()) {
      return ObservedAttempt.succeeded(attempt, name, started, conditionTime(complete.get(), job));
    }
    Optional<JobCondition> failed = trueCondition(job, "Failed");
    if (failed.isPresent()) {
      return ObservedAttempt.failed(
          attempt, name, started, conditionTime(failed.get(), job), failure(failed.get(), pods));
    }
    if (job.getMetadata().getDeletionTimestamp() != null) {
      return ObservedAttempt.failed(
          attempt,
          name,
          started,
          Timestamps.parse(job.getMetadata().getDeletionTimestamp()),
          FailureDetails.jobDeleted());
    }
    return new ObservedAttempt(
        attempt,
        name,
        ObservedAttempt.State.RUNNING,
        started,
        null,
        null,
        whyBlocked(pods).orElse(null));
  }

  /**
   * Whether the Job's status says it failed: a Failed condition that is True. Unlike {@link #read},
   * a Job being deleted has not.
   */
  public static boolean hasFailedCondition(Job job) {
    return trueCondition(job, "Failed").isPresent();
  }

  /**
   * Whether the Job is suspended, from the Job controller's Suspended condition (the cache keeps a
   * Job's status, not its spec).
   */
  public static boolean isSuspended(Job job) {
    return trueCondition(job, "Suspended").isPresent();
  }

  private static Optional<JobCondition> trueCondition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static Instant conditionTime(JobCondition condition, Job job) {
    Instant t = Timestamps.parse(condition.getLastTransitionTime());
    if (t == null && job.getStatus().getCompletionTime() != null) {
      t = Timestamps.parse(job.getStatus().getCompletionTime());
    }
    return t;
  }

  static FailureDetails failure(JobCondition failed, List<Pod> pods) {
    Optional<Pod> pod = lastFailedPod(pods);
    Map<String, Integer> exitCodes = new LinkedHashMap<>();
    Set<String> specific = new LinkedHashSet<>();
    Set<String> generic = new LinkedHashSet<>();
    Integer exitCode = null;
    String message = null;
    List<String> conditions = new ArrayList<>();
    String podReason = null;
    String node = null;
    if (pod.isPresent()) {
      Pod p = pod.get();
      node = p.getSpec() == null ? null : p.getSpec().getNodeName();
      podReason = p.getStatus() == null ? null : p.getStatus().getReason();
      Set<String> sidecars = Sidecars.names(p);
      for (ContainerStatus cs : containerStatuses(p)) {
        ContainerStateTerminated t = terminated(cs);
        if (t == null) {
          continue;
        }
        // A sidecar's code is kept for a rule that names it, but is not the attempt's exit code,
        // reason or message: the kubelet stops it once the main containers have ended (143).
        exitCodes.put(cs.getName(), t.getExitCode());
        if (sidecars.contains(cs.getName())) {
          continue;
        }
        if (t.getExitCode() != null && t.getExitCode() != 0 && exitCode == null) {
          exitCode = t.getExitCode();
          message = blankToNull(t.getMessage());
        }
        if (t.getReason() != null) {
          (GENERIC_REASONS.contains(t.getReason()) ? generic : specific).add(t.getReason());
        }
      }
      if (p.getStatus() != null && p.getStatus().getConditions() != null) {
        for (PodCondition c : p.getStatus().getConditions()) {
          conditions.add(c.getType() + "=" + c.getStatus());
        }
      }
    }
    List<String> reasons = new ArrayList<>(specific);
    if (podReason != null) {
      reasons.add(podReason);
    }
    String jobReason = failed.getReason();
    boolean jobReasonIsGeneric = "BackoffLimitExceeded".equals(jobReason);
    if (jobReason != null && !jobReasonIsGeneric) {
      reasons.add(jobReason);
    }
    generic.remove("Completed");
    reasons.addAll(generic);
    if (jobReason != null && jobReasonIsGeneric) {
      reasons.add(jobReason);
    }
    if (message == null) {
      message = blankToNull(failed.getMessage());
    }
    return new FailureDetails(
        exitCodes, reasons.stream().distinct().toList(), conditions, exitCode, message, node);
  }

  /**
   * The container that failed in the last failed pod, not a native sidecar: where its log tail is
   * read from.
   */
  public static Optional<ContainerRef> failedContainer(List<Pod> pods) {
    return lastFailedPod(pods)
        .flatMap(
            p -> {
              Set<String> sidecars = Sidecars.names(p);
              return containerStatuses(p).stream()
                  .filter(cs -> !sidecars.contains(cs.getName()))
                  .filter(
                      cs -> {
                        ContainerStateTerminated t = terminated(cs);
                        return t != null && t.getExitCode() != null && t.getExitCode() != 0;
                      })
                  .findFirst()
                  .map(cs -> new ContainerRef(p.getMetadata().getName(), cs.getName()));
            });
  }

  private static Optional<Pod> lastFailedPod(List<Pod> pods) {
    Comparator<Pod> byCreation =
        Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp()));
    return pods.stream()
        .filter(p -> p.getStatus() != null && "Failed".equals(p.getStatus().getPhase()))
        .max(byCreation)
        .or(() -> pods.stream().max(byCreation));
  }

  private static List<ContainerStatus> containerStatuses(Pod p) {
    if (p.getStatus() == null) {
      return List.of();
    }
    return Stream.concat(
            Optional.ofNullable(p.getStatus().getInitContainerStatuses())
                .orElse(List.of())
                .stream(),
            Optional.ofNullable(p.getStatus().getContainerStatuses()).orElse(List.of()).stream())
        .toList();
  }

  private static ContainerStateTerminated terminated(ContainerStatus cs) {
    if (cs.getState() != null && cs.getState().getTerminated() != null) {
      return cs.getState().getTerminated();
    }
    return cs.getLastState() == null ? null : cs.getLastState().getTerminated();
  }

  /**
   * Why the pods of a running Job make no progress, if they say so: a container waiting for
   * something other than a normal start, or a pod that cannot be scheduled.
   */
  public static Optional<String> whyBlocked(List<Pod> pods) {
    return pods.stream()
        .flatMap(p -> containerStatuses(p).stream())
        .filter(cs -> cs.getState() != null && cs.getState().getWaiting() != null)
        .map(cs -> cs.getState().getWaiting())
        .filter(w -> w.getReason() != null && !NORMAL_WAITING.contains(w.getReason()))
        .map(w -> w.getMessage() == null ? w.getReason() : w.getReason() + ": " + w.getMessage())
        .map(w -> "its pod is waiting: " + w)
        .findFirst()
        .or(() -> unschedulable(pods));
  }

  private static Optional<String> unschedulable(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null)
        .flatMap(p -> p.getStatus().getConditions().stream())
        .filter(
            c ->
                "PodScheduled".equals(c.getType())
                    && "False".equals(c.getStatus())
                    && "Unschedulable".equals(c.getReason()))
        .map(c -> "its pod cannot be scheduled: " + c.getMessage())
        .findFirst();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
