package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.budget.RetryBudgetLedger;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The RetryBudgets of the controller's namespaces, cached for the task controller: JOSDK starts a
 * task pass only once this cache is filled, so no retry starts after a restart before the budgets
 * are known. An edit of a budget's spec, or its deletion, wakes the tasks it holds back; its status
 * updates (every few seconds while in use) wake nobody.
 */
public final class BudgetObserver {

  static final String SOURCE = "retry-budgets";

  private final RetryBudgetLedger ledger;

  public BudgetObserver(RetryBudgetLedger ledger) {
    this.ledger = ledger;
  }

  public List<EventSource<?, DeadLetterTask>> prepareEventSources(
      EventSourceContext<DeadLetterTask> context) {
    var config =
        InformerEventSourceConfiguration.from(RetryBudget.class, DeadLetterTask.class)
            .withName(SOURCE)
            .withSecondaryToPrimaryMapper(
                budget ->
                    ledger
                        .heldBy(
                            budget.getMetadata().getNamespace()
                                + "/"
                                + budget.getMetadata().getName())
                        .stream()
                        .map(e -> new ResourceID(e.getKey(), e.getValue()))
                        .collect(Collectors.toSet()))
            .withOnUpdateFilter(
                (now, before) ->
                    !Objects.equals(
                        now.getMetadata().getGeneration(), before.getMetadata().getGeneration()))
            .withInformerListLimit(AttemptCaches.LIST_PAGE);
    return List.of(new InformerEventSource<>(config.build(), context));
  }

  /** The budgets of the task's namespace, as cached. */
  @SuppressWarnings("unchecked")
  public List<RetryBudget> budgetsOf(Context<DeadLetterTask> context, DeadLetterTask task) {
    var source =
        (InformerEventSource<RetryBudget, DeadLetterTask>)
            context.eventSourceRetriever().getEventSourceFor(RetryBudget.class, SOURCE);
    return source.list(task.getMetadata().getNamespace()).toList();
  }
}
