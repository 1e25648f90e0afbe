package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RoundStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What to do after one look at a task: an action for the reconciler, the complete status to write
 * once the action is done, the Kubernetes Events that describe the transitions, the backoff this
 * pass chose after a failure it saw for the first time (null when it chose none), and the attempts
 * it recorded in the history for the first time (for metrics and log tails).
 */
public record Decision(
    Action action,
    DeadLetterTaskStatus status,
    List<TaskEvent> events,
    Duration chosenDelay,
    List<AttemptRecord> recorded) {

  public Decision(Action action, DeadLetterTaskStatus status, List<TaskEvent> events) {
    this(action, status, events, null, List.of());
  }

  /** The same decision with other events. */
  public Decision withEvents(List<TaskEvent> other) {
    return new Decision(action, status, other, chosenDelay, recorded);
  }

  /**
   * Whether the action starts a retry: an attempt after the first of its round. Retry budgets count
   * these; a task's first attempt, or a redrive's, is never held back.
   */
  public boolean startsRetry() {
    RoundStatus round = status.getRound();
    return action instanceof StartAttempt start
        && round != null
        && start.number() > round.getFirstAttempt();
  }

  /** The one side effect a pass may have on attempt Jobs. */
  public sealed interface Action permits StartAttempt, WaitUntil, Idle, DeleteTask {}

  /** Create attempt Job {@code number}; the status to write then already counts it. */
  public record StartAttempt(int number, Integer previousExitCode, String previousReason)
      implements Action {}

  /** Nothing to create before {@code when}; look again then. */
  public record WaitUntil(Instant when) implements Action {}

  /** Nothing to do until something changes (a Job ends, the spec or an annotation is edited). */
  public record Idle() implements Action {}

  /** The task succeeded longer ago than its ttlAfterSucceeded: delete it (its Jobs follow). */
  public record DeleteTask() implements Action {}
}
