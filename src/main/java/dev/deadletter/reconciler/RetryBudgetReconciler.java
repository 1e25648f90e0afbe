package dev.deadletter.reconciler;

import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.api.v1alpha1.RetryBudgetStatus;
import dev.deadletter.budget.BudgetReport;
import dev.deadletter.budget.BudgetStatuses;
import dev.deadletter.budget.RetryBudgetLedger;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.metrics.BudgetMetrics;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Publishes what the {@link RetryBudgetLedger} counts for each RetryBudget: its status (the record
 * of its circuits, read back after a restart), metrics, and an Event per circuit that changed
 * state. The ledger, not this controller, admits retries: this one only reports, every few seconds.
 */
@ControllerConfiguration(name = "retry-budget")
public class RetryBudgetReconciler implements Reconciler<RetryBudget> {

  /** How often a budget is counted and its status refreshed while tasks use it. */
  static final Duration REFRESH = Duration.ofSeconds(5);

  /** ...and while none does: a new task wakes nothing here. */
  static final Duration IDLE_REFRESH = Duration.ofSeconds(30);

  private final Clock clock;
  private final RetryBudgetLedger ledger;
  private final TaskEventRecorder events;
  private final BudgetMetrics metrics;

  public RetryBudgetReconciler(
      Clock clock, RetryBudgetLedger ledger, TaskEventRecorder events, BudgetMetrics metrics) {
    this.clock = clock;
    this.ledger = ledger;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public UpdateControl<RetryBudget> reconcile(RetryBudget budget, Context<RetryBudget> context) {
    if (!ledger.ready()) {
      // The task controller has not bound its cache yet (it has had no task to reconcile): a
      // count now would be of nothing. No API call is made; look again in a while.
      return UpdateControl.<RetryBudget>noUpdate().rescheduleAfter(REFRESH);
    }
    Instant now = clock.instant();
    BudgetReport report = ledger.report(budget, now);
    writeStatus(budget, BudgetStatuses.of(budget, report, now), context);
    BudgetStatuses.events(report).forEach(e -> events.record(budget, e));
    metrics.reported(
        budget.getMetadata().getNamespace(), budget.getMetadata().getName(), report, now);
    boolean inUse =
        report.window().retries() > 0
            || report.window().firstAttempts() > 0
            || report.window().running() > 0
            || report.heldTasks() > 0
            || !report.circuits().isEmpty();
    return UpdateControl.<RetryBudget>noUpdate().rescheduleAfter(inUse ? REFRESH : IDLE_REFRESH);
  }

  /** The status as a fresh object (identity and status only), written when it changed. */
  private static void writeStatus(
      RetryBudget budget, RetryBudgetStatus status, Context<RetryBudget> context) {
    if (Objects.equals(budget.getStatus(), status)) {
      return;
    }
    RetryBudget fresh = new RetryBudget();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(budget.getMetadata().getName());
    meta.setNamespace(budget.getMetadata().getNamespace());
    fresh.setMetadata(meta);
    fresh.setStatus(status);
    PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(budget, fresh, context);
  }
}
