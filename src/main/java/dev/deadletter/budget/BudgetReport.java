package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import java.util.List;

/**
 * A budget as the ledger counts it now, for its status, metrics and Events.
 *
 * @param transitions circuits that changed state since the last report, in order
 */
public record BudgetReport(
    int selectedTasks,
    BudgetWindow window,
    int heldTasks,
    List<CircuitStatus> circuits,
    List<CircuitStatus> transitions) {

  public long openCircuits() {
    return circuits.stream().filter(c -> c.getState() != CircuitStatus.State.Closed).count();
  }
}
