package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.TaskPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;

/**
 * The kstatus-style conditions of a task, derived from its phase. {@code lastTransitionTime} moves
 * only when a condition's status changes, so an unchanged task produces an identical status and no
 * write.
 */
public final class TaskConditions {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String DEAD_LETTERED = "DeadLettered";

  /** metav1.Condition's limit on a message, which the CRD's schema enforces. */
  static final int MAX_MESSAGE = 32768;

  private TaskConditions() {}

  /**
   * @param stalledReason non-null when the task cannot run at all (Stalled=True whatever the phase)
   */
  public static List<Condition> of(
      TaskPhase phase,
      String stalledReason,
      String message,
      long generation,
      List<Condition> previous,
      Instant now) {
    return of(phase, stalledReason, null, message, generation, previous, now);
  }

  /**
   * @param waitingReason non-null to name why a task that is not stalled waits, instead of its
   *     phase (e.g. WaitingForGate)
   */
  public static List<Condition> of(
      TaskPhase phase,
      String stalledReason,
      String waitingReason,
      String message,
      long generation,
      List<Condition> previous,
      Instant now) {
    boolean stalled = stalledReason != null || phase == TaskPhase.DeadLettered;
    boolean reconciling =
        !stalled
            && (phase == TaskPhase.Pending
                || phase == TaskPhase.Running
                || phase == TaskPhase.BackingOff);
    String reason =
        stalledReason != null
            ? stalledReason
            : waitingReason != null ? waitingReason : phase.name();
    return List.of(
        condition(READY, phase == TaskPhase.Succeeded, reason, message, generation, previous, now),
        condition(RECONCILING, reconciling, reason, message, generation, previous, now),
        condition(STALLED, stalled, reason, message, generation, previous, now),
        condition(
            DEAD_LETTERED,
            phase == TaskPhase.DeadLettered,
            reason,
            message,
            generation,
            previous,
            now));
  }

  public static Condition condition(
      String type,
      boolean value,
      String reason,
      String message,
      long generation,
      List<Condition> previous,
      Instant now) {
    String status = value ? "True" : "False";
    String since =
        previous.stream()
            .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .findFirst()
            .orElse(Timestamps.format(now));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message == null ? "" : Texts.keepStart(message, MAX_MESSAGE))
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
