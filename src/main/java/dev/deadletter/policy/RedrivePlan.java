package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterRedriveStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import java.time.Duration;
import java.util.List;

/**
 * What one pass of a bulk redrive does: annotate {@code batch} with the token, then write {@code
 * status} (as it will be once the batch is annotated), emit {@code events}, and look again after
 * {@code nextPassAfter} (null: the redrive is over).
 */
public record RedrivePlan(
    List<DeadLetterTask> batch,
    DeadLetterRedriveStatus status,
    List<TaskEvent> events,
    Duration nextPassAfter) {

  public RedrivePlan {
    batch = List.copyOf(batch);
    events = List.copyOf(events);
  }

  public boolean done() {
    return nextPassAfter == null;
  }
}
