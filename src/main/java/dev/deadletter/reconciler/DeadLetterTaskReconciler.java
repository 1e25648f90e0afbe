package dev.deadletter.reconciler;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.budget.RetryBudgetLedger;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.jobs.AttemptJobs;
import dev.deadletter.jobs.Leadership;
import dev.deadletter.metrics.TaskMetrics;
import dev.deadletter.observe.AttemptObserver;
import dev.deadletter.observe.BudgetObserver;
import dev.deadletter.observe.GateKind;
import dev.deadletter.observe.GateObserver;
import dev.deadletter.observe.LogTails;
import dev.deadletter.policy.AttemptMutations;
import dev.deadletter.policy.BudgetHold;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.Decision.DeleteTask;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.HistoryRetention;
import dev.deadletter.policy.Observation;
import dev.deadletter.policy.Observation.CreateRefusal;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.RetryDecider;
import dev.deadletter.policy.TaskEvent;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs each DeadLetterTask as a sequence of attempt Jobs. One pass: observe the task's Jobs and
 * pods ({@link AttemptObserver}), ask {@link RetryDecider}, create at most one Job, write status
 * once, emit Events, then prune old Jobs.
 */
@ControllerConfiguration(
    // The redrive annotation does not change metadata.generation, so every change must reach us.
    generationAwareEventProcessing = false,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public class DeadLetterTaskReconciler implements Reconciler<DeadLetterTask> {

  /**
   * When a pass that did not create an attempt Job because this replica may not lead runs again.
   */
  static final Duration NOT_LEADER_RETRY = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(DeadLetterTaskReconciler.class);

  private final Clock clock;
  private final TaskEventRecorder events;
  private final TaskMetrics metrics;
  private final CrashPoints crashPoints;
  private final AttemptObserver observer;
  private final GateObserver gates;
  private final RetryBudgetLedger budgets;
  private final BudgetObserver budgetObserver;
  private final Leadership leadership;
  private final AtomicBoolean cacheBound = new AtomicBoolean();

  public DeadLetterTaskReconciler(Clock clock, TaskEventRecorder events, TaskMetrics metrics) {
    this(clock, events, metrics, CrashPoints.NONE);
  }

  public DeadLetterTaskReconciler(
      Clock clock, TaskEventRecorder events, TaskMetrics metrics, CrashPoints crashPoints) {
    this(clock, events, metrics, crashPoints, Leadership.ALWAYS);
  }

  /**
   * @param leadership asked right before each attempt Job create and each deletion of an old one:
   *     with leader election, whether this process still holds the Lease
   */
  public DeadLetterTaskReconciler(
      Clock clock,
      TaskEventRecorder events,
      TaskMetrics metrics,
      CrashPoints crashPoints,
      Leadership leadership) {
    this(clock, events, metrics, crashPoints, leadership, List.of());
  }

  /**
   * @param gateKinds the kinds retry gates may name: the operator watches each
   */
  public DeadLetterTaskReconciler(
      Clock clock,
      TaskEventRecorder events,
      TaskMetrics metrics,
      CrashPoints crashPoints,
      Leadership leadership,
      List<GateKind> gateKinds) {
    this(clock, events, metrics, crashPoints, leadership, gateKinds, new RetryBudgetLedger());
  }

  /**
   * @param budgets admits each retry against the RetryBudgets that select its task
   */
  public DeadLetterTaskReconciler(
      Clock clock,
      TaskEventRecorder events,
      TaskMetrics metrics,
      CrashPoints crashPoints,
      Leadership leadership,
      List<GateKind> gateKinds,
      RetryBudgetLedger budgets) {
    this.clock = clock;
    this.events = events;
    this.metrics = metrics;
    this.crashPoints = crashPoints;
    this.observer = new AttemptObserver(clock);
    this.gates = new GateObserver(gateKinds);
    this.budgets = budgets;
    this.budgetObserver = new BudgetObserver(budgets);
    this.leadership = leadership;
  }

  @Override
  public List<EventSource<?, DeadLetterTask>> prepareEventSources(
      EventSourceContext<DeadLetterTask> context) {
    List<EventSource<?, DeadLetterTask>> sources =
        new ArrayList<>(observer.prepareEventSources(context));
    sources.addAll(gates.prepareEventSources(context));
    sources.addAll(budgetObserver.prepareEventSources(context));
    return sources;
  }

  @Override
  public UpdateControl<DeadLetterTask> reconcile(
      DeadLetterTask task, Context<DeadLetterTask> context) {
    try (var ignored =
        MDC.putCloseable(
            "task", task.getMetadata().getNamespace() + "/" + task.getMetadata().getName())) {
      return reconcileTask(task, context);
    }
  }

  private UpdateControl<DeadLetterTask> reconcileTask(
      DeadLetterTask task, Context<DeadLetterTask> context) {
    if (cacheBound.compareAndSet(false, true)) {
      metrics.readTasksFrom(() -> context.getPrimaryCache().list());
      budgets.readTasksFrom(namespace -> context.getPrimaryCache().list(namespace));
    }
    AttemptJobs attemptJobs = new AttemptJobs(context.getClient(), task, leadership);
    Observation observation =
        observer.observe(context, task).withGates(gates.observe(task, gatesOf(task)));
    Instant now = observation.observedAt();
    Optional<EffectivePolicy> policy = parsedPolicy(task);
    Decision decision = decide(task, policy, observation, now);
    Instant createdAt = null;
    if (decision.startsRetry()) {
      // The clock now, not the observation's: the token's time must not precede the create.
      Optional<BudgetHold> hold =
          admit(task, (StartAttempt) decision.action(), context, clock.instant());
      if (hold.isPresent()) {
        metrics.retryHeld(
            task.getMetadata().getNamespace(), hold.get().budget(), hold.get().reason());
        // Held back like a refusal: one more thing observed, decided again; nothing starts.
        decision = decide(task, policy, observation.held(hold.get()), now);
      }
    }
    if (decision.action() instanceof StartAttempt start) {
      // A start is only decided for a spec that parses. The mutations come from the template and
      // the decided status (the round's rule counts, the history) alone: a pass after a crash plans
      // the same Job again.
      AttemptMutations mutations =
          AttemptMutations.plan(task.getSpec(), policy.orElseThrow(), decision.status());
      Start started = startAttempt(task, policy.orElseThrow(), attemptJobs, start, mutations);
      if (!started.sent() || started.refusal().isPresent()) {
        budgets.release(attemptJobName(task, start));
      }
      if (!started.sent()) {
        // This replica may have lost the Lease: no status, no Events, no pruning; the leader that
        // holds it makes the same decision from the same status, and this process exits. Should it
        // lead after all (a guard that has not seen its first renewal yet), it looks again soon.
        return UpdateControl.<DeadLetterTask>noUpdate().rescheduleAfter(NOT_LEADER_RETRY);
      }
      Optional<CreateRefusal> refusal = started.refusal();
      if (refusal.isPresent()) {
        // The refusal is one more thing observed: decide again with it, instead of undoing the
        // start field by field.
        CreateRefusal r = refusal.get();
        decision =
            decide(task, policy, observation.refused(r.attempt(), r.reason(), r.message()), now);
      } else {
        createdAt = clock.instant();
        budgets.created(attemptJobName(task, start), createdAt);
        if (!mutations.isEmpty()) {
          // A start is told by the status and the attempt's outcome Event; a start the policy
          // changed (mutated) is worth an Event of its own.
          decision = decision.withEvents(withStartEvent(decision, start, task, mutations));
          metrics.attemptMutated();
        }
      }
    }
    if (decision.action() instanceof DeleteTask) {
      log.info("deleting the task: it succeeded longer ago than its ttlAfterSucceeded");
      context
          .getClient()
          .resource(task)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      return UpdateControl.noUpdate();
    }
    LogTails.attach(context.getClient(), task, observation, decision);
    writeStatus(task, decision.status(), context);
    crashPoints.reached(CrashPoints.Point.AFTER_STATUS);
    metrics.record(task.getStatus(), decision, createdAt);
    decision.events().forEach(e -> events.record(task, e));
    if (policy.isPresent()) {
      pruneHistory(policy.get(), attemptJobs, observation.attempts(), decision.status());
    }

    if (decision.action() instanceof WaitUntil wait) {
      Duration delay = Duration.between(clock.instant(), wait.when());
      return UpdateControl.<DeadLetterTask>noUpdate()
          .rescheduleAfter(delay.isNegative() ? Duration.ZERO : delay);
    }
    if (decision.action() instanceof Idle && observation.lookAgainAfter() != null) {
      return UpdateControl.<DeadLetterTask>noUpdate().rescheduleAfter(observation.lookAgainAfter());
    }
    return UpdateControl.noUpdate();
  }

  /** Takes a token from every budget that selects the task, or says which one holds it back. */
  private Optional<BudgetHold> admit(
      DeadLetterTask task, StartAttempt start, Context<DeadLetterTask> context, Instant now) {
    return budgets.admit(
        task,
        start.number(),
        attemptJobName(task, start),
        budgetObserver.budgetsOf(context, task),
        now);
  }

  private static String attemptJobName(DeadLetterTask task, StartAttempt start) {
    return DeadLetterTask.attemptJobName(task.getMetadata().getName(), start.number());
  }

  /** How a start ended: not sent at all, or sent and maybe refused by the API server. */
  private record Start(boolean sent, Optional<CreateRefusal> refusal) {
    static final Start NOT_SENT = new Start(false, Optional.empty());
    static final Start EXISTS = new Start(true, Optional.empty());

    static Start refused(CreateRefusal refusal) {
      return new Start(true, Optional.of(refusal));
    }
  }

  /**
   * Creates the attempt Job. Created before the status is written: if we die in between, the next
   * pass finds the Job and adopts it (never a second create); the other order could record an
   * attempt that never ran.
   *
   * @return whether the create was sent, and why the API server refused the Job, if it did
   */
  private Start startAttempt(
      DeadLetterTask task,
      EffectivePolicy policy,
      AttemptJobs attemptJobs,
      StartAttempt start,
      AttemptMutations mutations) {
    Job job =
        AttemptJobFactory.build(
            task,
            policy,
            start.number(),
            start.previousExitCode(),
            start.previousReason(),
            mutations);
    String jobName = job.getMetadata().getName();
    try (var a = MDC.putCloseable("attempt", String.valueOf(start.number()));
        var j = MDC.putCloseable("job", jobName)) {
      switch (attemptJobs.create(job)) {
        case CREATED -> {
          log.info("created attempt {} as Job {}", start.number(), jobName);
          crashPoints.reached(CrashPoints.Point.AFTER_CREATE);
          return Start.EXISTS;
        }
        case ALREADY_OURS -> {
          log.info(
              "attempt Job {} already exists and is ours: created by an earlier pass", jobName);
          return Start.EXISTS;
        }
        case NOT_LEADER -> {
          log.warn(
              "not creating attempt {} as Job {}: this replica may no longer hold the leader"
                  + " Lease",
              start.number(),
              jobName);
          return Start.NOT_SENT;
        }
        default -> {
          String message =
              ("attempt %d: Job %s exists and belongs to another owner (perhaps a deleted task of"
                      + " the same name)")
                  .formatted(start.number(), jobName);
          return Start.refused(new CreateRefusal(start.number(), "JobNameTaken", message));
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422
          || e.getCode() == HttpURLConnection.HTTP_BAD_REQUEST
          || e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
        // A quota, an admission policy or an invalid template: tried again later, more slowly.
        String message =
            "attempt %d: the API server rejected Job %s: %s"
                .formatted(start.number(), jobName, apiMessage(e));
        log.warn(message);
        String reason =
            e.getCode() == HttpURLConnection.HTTP_FORBIDDEN ? "JobForbidden" : "InvalidJobTemplate";
        return Start.refused(new CreateRefusal(start.number(), reason, message));
      }
      throw e;
    }
  }

  private static List<TaskEvent> withStartEvent(
      Decision decision, StartAttempt start, DeadLetterTask task, AttemptMutations mutations) {
    List<TaskEvent> events = new ArrayList<>(decision.events());
    String jobName = DeadLetterTask.attemptJobName(task.getMetadata().getName(), start.number());
    String message =
        "attempt %d started as Job %s with %s"
            .formatted(start.number(), jobName, mutations.summary());
    events.add(new TaskEvent(false, TaskEvent.ATTEMPT_STARTED, message).aboutJob(jobName));
    return events;
  }

  /** The policy is parsed once per pass; a spec that does not parse stalls the task. */
  private static Decision decide(
      DeadLetterTask task, Optional<EffectivePolicy> policy, Observation observation, Instant now) {
    return policy
        .map(p -> RetryDecider.decide(task, p, observation, now))
        .orElseGet(() -> RetryDecider.decide(task, observation, now));
  }

  /** One status write per pass, and none when nothing changed. */
  private static void writeStatus(
      DeadLetterTask task, DeadLetterTaskStatus status, Context<DeadLetterTask> context) {
    if (Objects.equals(task.getStatus(), status)) {
      return;
    }
    DeadLetterTask fresh = new DeadLetterTask();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(task.getMetadata().getName());
    meta.setNamespace(task.getMetadata().getNamespace());
    fresh.setMetadata(meta);
    fresh.setStatus(status);
    PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(task, fresh, context);
  }

  private void pruneHistory(
      EffectivePolicy policy,
      AttemptJobs attemptJobs,
      Map<Integer, ObservedAttempt> observed,
      DeadLetterTaskStatus written) {
    for (String jobName :
        HistoryRetention.jobsToDelete(
            observed.values(), written, policy.keepSucceeded(), policy.keepFailed())) {
      if (!attemptJobs.delete(jobName)) {
        log.warn(
            "not deleting Job {} beyond the history limits: this replica may no longer hold the"
                + " leader Lease",
            jobName);
        return;
      }
      log.info("deleted Job {} beyond the history limits", jobName);
      crashPoints.reached(CrashPoints.Point.WHILE_PRUNING);
    }
  }

  private static List<RetryGate> gatesOf(DeadLetterTask task) {
    var policy = task.getSpec() == null ? null : task.getSpec().getRetryPolicy();
    return policy == null || policy.getGates() == null ? List.of() : policy.getGates();
  }

  /** Empty when the spec does not parse; the decider reports that in status. */
  private static Optional<EffectivePolicy> parsedPolicy(DeadLetterTask task) {
    try {
      return Optional.of(EffectivePolicy.of(task.getSpec()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String apiMessage(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getMessage();
  }
}
