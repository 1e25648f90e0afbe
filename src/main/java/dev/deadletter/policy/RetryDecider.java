package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.AttemptRecord.Outcome;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RedriveRecord;
import dev.deadletter.api.v1alpha1.RefusedStart;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.Action;
import dev.deadletter.policy.Decision.DeleteTask;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.policy.Observation.CreateRefusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The retry decision: a pure function of the task (spec, previous status, annotations), what a pass
 * observed, and the clock. {@link RoundAccounting} first brings the status up to date with the
 * observed attempt Jobs; this class then chooses the one action, the phase and the message.
 *
 * <p>Budgets are spent and a dead letter is latched when they happen, in status: an edit of the
 * spec changes what happens next, never what already happened. Only a redrive (a new value of the
 * retry-requested-at annotation) leaves {@code DeadLettered}.
 */
public final class RetryDecider {

  /** How often a stalled task is looked at again; a spec edit triggers a pass at once anyway. */
  static final Duration STALLED_RECHECK = Duration.ofMinutes(2);

  /** The first wait after a refused create; it doubles with each refusal, up to the cap. */
  static final Duration REFUSAL_BACKOFF = Duration.ofSeconds(10);

  static final Duration REFUSAL_BACKOFF_CAP = Duration.ofMinutes(5);

  /**
   * How often a retry waiting on a closed gate looks again though no watch event came: the gate's
   * object is watched, so this is only a safety net.
   */
  static final Duration GATE_RECHECK = Duration.ofMinutes(1);

  /** The condition reason of a task whose retry waits for a gate. */
  public static final String WAITING_FOR_GATE = "WaitingForGate";

  private RetryDecider() {}

  /** Parses the task's policy and decides; for callers that hold no parsed policy. */
  public static Decision decide(
      DeadLetterTask task, Map<Integer, ObservedAttempt> attempts, Instant now) {
    return decide(task, Observation.of(attempts), now);
  }

  /** Parses the task's policy and decides; for callers that hold no parsed policy. */
  public static Decision decide(DeadLetterTask task, Observation observation, Instant now) {
    EffectivePolicy policy;
    try {
      policy = EffectivePolicy.of(task.getSpec());
    } catch (IllegalArgumentException e) {
      return stalled(task, "InvalidSpec", e.getMessage(), now);
    }
    return decide(task, policy, observation, now);
  }

  /**
   * Never throws: a task whose status or spec trips an unexpected case is reported as Stalled with
   * the error, and looked at again slowly, instead of failing every reconcile.
   */
  public static Decision decide(
      DeadLetterTask task, EffectivePolicy policy, Observation observation, Instant now) {
    try {
      Optional<String> forbidden = forbiddenGate(policy, observation);
      if (forbidden.isPresent()) {
        return stalled(task, "GateNotAllowed", forbidden.get(), now);
      }
      return new Pass(task, policy, observation, now).decide();
    } catch (RuntimeException e) {
      return stalled(task, "InternalError", "the operator could not decide: " + e, now);
    }
  }

  /**
   * The status for a task that cannot run at all for a reason the spec shows (it does not parse):
   * phase unchanged, Stalled=True with the message, and a slow look again.
   */
  public static Decision stalled(DeadLetterTask task, String reason, String message, Instant now) {
    DeadLetterTaskStatus previous =
        task.getStatus() == null ? new DeadLetterTaskStatus() : task.getStatus();
    DeadLetterTaskStatus status = previous.copy();
    TaskPhase phase = previous.getPhase() == null ? TaskPhase.Pending : previous.getPhase();
    status.setPhase(phase);
    status.setMessage(message);
    status.setObservedGeneration(task.getMetadata().getGeneration());
    status.setConditions(
        TaskConditions.of(phase, reason, message, generation(task), previous.getConditions(), now));
    List<TaskEvent> events =
        Objects.equals(previous.getMessage(), message)
            ? List.of()
            : List.of(TaskEvent.warning(TaskEvent.STALLED, message));
    return new Decision(new WaitUntil(now.plus(STALLED_RECHECK)), status, events);
  }

  /** A gate on a kind the operator does not watch can never hold: the spec must change. */
  private static Optional<String> forbiddenGate(EffectivePolicy policy, Observation observation) {
    return policy.gates().stream()
        .map(g -> observation.gate(g.key()))
        .filter(g -> g.status() == GateState.Status.NOT_ALLOWED)
        .map(GateState::detail)
        .findFirst();
  }

  /** One decision in the making. */
  private static final class Pass {
    private final DeadLetterTask task;
    private final EffectivePolicy policy;
    private final Observation observation;
    private final Instant now;
    private final RoundAccounting accounting;
    private final RoundBudgets budgets;
    private final DeadLetterTaskStatus previous;
    private final DeadLetterTaskStatus status;
    private final List<TaskEvent> events;
    private Duration chosenDelay;
    private String stalledReason;
    private String waitingReason;
    private String templateHash; // computed only when a dead letter needs it
    private boolean heldByBudget;

    Pass(DeadLetterTask task, EffectivePolicy policy, Observation observation, Instant now) {
      this.task = task;
      this.policy = policy;
      this.observation = observation;
      this.now = now;
      this.accounting = RoundAccounting.account(task, policy, observation.attempts(), now);
      this.budgets = new RoundBudgets(task, policy, accounting, now);
      this.previous = accounting.previous();
      this.status = accounting.status;
      this.events = accounting.events;
      accounting.adoptAndRecord(this::redroveAfter);
    }

    /**
     * Whether the pass that created the Job of the attempt after {@code last}, and lost its status
     * write, redrove: a retry request is pending, and the round was over after {@code last}:
     * dead-lettered, or spent by that failure (as that pass judged it, and this one judges again).
     */
    private boolean redroveAfter(AttemptRecord last) {
      String request = accounting.retryRequest();
      if (request == null || request.equals(status.getLastHandledRetryRequest())) {
        return false;
      }
      if (status.getDeadLetter() != null) {
        return true;
      }
      return last != null
          && last.getOutcome() == Outcome.Failed
          && accounting.inRound(last.getAttempt())
          && budgets.exhausted(last).isPresent();
    }

    Decision decide() {
      Action action = next();
      if (!heldByBudget) {
        // Whatever else this pass chose (a start, a suspend, a dead letter, or after a spec edit a
        // longer backoff or a gate), the budget no longer holds the retry: from now on the wait is
        // the task's own, and maxRetryDuration counts it.
        endBudgetWait();
      }
      status.setObservedGeneration(task.getMetadata().getGeneration());
      status.setConditions(
          TaskConditions.of(
              status.getPhase(),
              stalledReason,
              waitingReason,
              status.getMessage(),
              generation(task),
              previous.getConditions(),
              now));
      return new Decision(
          action, status, List.copyOf(events), chosenDelay, List.copyOf(accounting.recorded));
    }

    private Action next() {
      String request = accounting.retryRequest();
      boolean newRequest = request != null && !request.equals(status.getLastHandledRetryRequest());
      int latest = status.getAttempts();
      ObservedAttempt running = observation.attempts().get(latest);
      if (latest > 0 && running != null && !running.finished()) {
        if (newRequest) {
          accounting.handled(request, "ignored: attempt " + latest + " is running");
        }
        // Dead-lettered with a Job running: one started before the dead letter, that the pass
        // which decided it did not see. Only a redrive leaves DeadLettered, whatever it does.
        return status.getDeadLetter() != null ? deadLettered() : runningAttempt(running);
      }
      AttemptRecord last = accounting.findRecord(latest); // attempt 0: a captured failure
      if (last != null
          && last.getOutcome() == Outcome.Succeeded
          && status.getDeadLetter() == null) {
        if (newRequest) {
          accounting.handled(request, "ignored: the task succeeded");
        }
        return succeeded(last, previous.getPhase() != TaskPhase.Succeeded);
      }
      // While suspended a retry request stays pending: it takes effect on resume.
      boolean actOnRequest = newRequest && !policy.suspended();
      if (status.getDeadLetter() != null) {
        if (actOnRequest) {
          return redrive(request, latest, last);
        }
        if (templateChangedSinceDeadLetter()) {
          return redriveForNewTemplate(latest, last);
        }
        return deadLettered();
      }
      if (last == null) {
        if (newRequest) {
          accounting.handled(
              request,
              actOnRequest && status.getRefusedStart() != null
                  ? "trying the refused create again now"
                  : "noted: no attempt has failed yet");
        }
        return firstAttempt(actOnRequest);
      }
      boolean lastInRound = accounting.inRound(last.getAttempt());
      if (lastInRound) {
        Optional<DeadLetterRecord> verdict = budgets.exhausted(last);
        if (verdict.isPresent()) {
          return actOnRequest ? redrive(request, latest, last) : deadLetter(verdict.get());
        }
      }
      Instant due = budgets.nextAttemptTime(last);
      if (accounting.recorded.contains(last)) {
        // Chosen once per failure, whether the pass waits or (seeing the failure late) starts now.
        Instant failedAt = Timestamps.parse(last.getFinishTime());
        chosenDelay = failedAt == null ? Duration.ZERO : Duration.between(failedAt, due);
      }
      if (actOnRequest) {
        accounting.handled(request, "skipping the backoff wait");
        due = now;
      }
      if (policy.suspended()) {
        return suspended(latest + 1, due);
      }
      if (now.isBefore(due) && !createRefused(latest + 1)) {
        return backingOff(latest, last, due);
      }
      if (!actOnRequest) {
        Optional<Instant> refusalWait = refusalWait(latest + 1);
        if (refusalWait.isPresent()) {
          return waitForRefusal(refusalWait.get());
        }
      }
      if (lastInRound) {
        Optional<DeadLetterRecord> late = budgets.startsTooLate(last);
        if (late.isPresent()) {
          return deadLetter(late.get());
        }
        // A retry request is a person saying "now": it does not wait for gates either.
        if (!actOnRequest) {
          Optional<Action> gated = waitForGates(latest, last, due);
          if (gated.isPresent()) {
            return gated.get();
          }
        }
      }
      return startNow(latest + 1, last);
    }

    private Action redrive(String request, int latest, AttemptRecord last) {
      accounting.handled(
          request, "redriving with a fresh round of " + policy.maxAttempts() + " attempts");
      return openRound(RedriveRecord.Trigger.Annotation, latest, last);
    }

    /** Once per template version: the new round's dead letter records the hash it ran with. */
    private boolean templateChangedSinceDeadLetter() {
      String deadWith = status.getDeadLetter().getTemplateHash();
      return policy.redriveOnTemplateChange()
          && !policy.suspended()
          && deadWith != null
          && !deadWith.equals(templateHash());
    }

    private Action redriveForNewTemplate(int latest, AttemptRecord last) {
      events.add(
          TaskEvent.normal(
              TaskEvent.REDRIVEN,
              "spec.jobTemplate changed (%s, dead-lettered with %s): redriving with a fresh round"
                  .formatted(templateHash(), status.getDeadLetter().getTemplateHash())));
      return openRound(RedriveRecord.Trigger.TemplateChanged, latest, last);
    }

    private Action openRound(RedriveRecord.Trigger trigger, int latest, AttemptRecord last) {
      accounting.openRound(latest + 1);
      status.setLastRedrive(new RedriveRecord(trigger, Timestamps.format(now), templateHash()));
      return startNow(latest + 1, last);
    }

    private String templateHash() {
      if (templateHash == null) {
        templateHash = TemplateHash.of(task.getSpec().getJobTemplate());
      }
      return templateHash;
    }

    private Action runningAttempt(ObservedAttempt running) {
      status.setPhase(TaskPhase.Running);
      status.setActiveJob(running.jobName());
      status.setNextAttemptAt(null);
      String message = runningMessage(running.number(), running.jobName());
      if (running.blockedBy() != null) {
        message += "; " + running.blockedBy();
        if (!message.equals(previous.getMessage())) {
          events.add(
              TaskEvent.warning(TaskEvent.ATTEMPT_BLOCKED, message).aboutJob(running.jobName()));
        }
      }
      status.setMessage(message);
      return new Idle();
    }

    private String runningMessage(int number, String jobName) {
      return "attempt %d (%s) running as Job %s".formatted(number, budgetSpent(), jobName);
    }

    /** e.g. "2/5 counted": the policy's budget the round has spent, a running attempt included. */
    private String budgetSpent() {
      return "%d/%d counted".formatted(round().getCountedAttempts(), policy.maxAttempts());
    }

    private Action succeeded(AttemptRecord last, boolean transition) {
      status.setPhase(TaskPhase.Succeeded);
      status.setActiveJob(null);
      status.setNextAttemptAt(null);
      status.setRefusedStart(null);
      status.setMessage(
          "attempt %d succeeded (Job %s)".formatted(last.getAttempt(), last.getJob()));
      if (transition && last.getAttempt() > 1) {
        // Only a recovery is news: a first attempt that succeeds is told by the status alone.
        events.add(
            TaskEvent.normal(TaskEvent.SUCCEEDED, status.getMessage()).aboutJob(last.getJob()));
      }
      Instant succeededAt = Timestamps.parse(last.getFinishTime());
      if (policy.ttlAfterSucceeded().isEmpty() || succeededAt == null) {
        return new Idle();
      }
      Instant expires = succeededAt.plus(policy.ttlAfterSucceeded().get());
      return now.isBefore(expires) ? new WaitUntil(expires) : new DeleteTask();
    }

    private Action firstAttempt(boolean requested) {
      if (policy.suspended()) {
        status.setPhase(TaskPhase.Suspended);
        status.setMessage("suspended before the first attempt");
        return new Idle();
      }
      Optional<Instant> refusalWait = requested ? Optional.empty() : refusalWait(1);
      if (refusalWait.isPresent()) {
        return waitForRefusal(refusalWait.get());
      }
      return startNow(1, null);
    }

    private Action suspended(int next, Instant due) {
      status.setPhase(TaskPhase.Suspended);
      status.setActiveJob(null);
      status.setNextAttemptAt(Timestamps.formatMillis(due));
      status.setMessage(
          "suspended; attempt %d is due at %s".formatted(next, Timestamps.formatMillis(due)));
      return new Idle();
    }

    private Action backingOff(int latest, AttemptRecord last, Instant due) {
      status.setPhase(TaskPhase.BackingOff);
      status.setActiveJob(null);
      status.setNextAttemptAt(Timestamps.formatMillis(due));
      status.setMessage(
          "attempt %d (%s) failed: %s; attempt %d starts at %s"
              .formatted(
                  latest, budgetSpent(), describe(last), latest + 1, status.getNextAttemptAt()));
      if (previous.getPhase() != TaskPhase.BackingOff
          || !status.getNextAttemptAt().equals(previous.getNextAttemptAt())) {
        announceBackoff(latest + 1, last);
      }
      return new WaitUntil(due);
    }

    /**
     * One Event per failed attempt: when this pass records the failure too, its AttemptFailed Event
     * says when the retry starts; a BackingOff Event of its own only for a schedule that changed
     * later (an edit, a Retry-After hint).
     */
    private void announceBackoff(int next, AttemptRecord last) {
      String when = "attempt %d starts at %s".formatted(next, status.getNextAttemptAt());
      if (!toldWithFailure(last, when)) {
        events.add(
            TaskEvent.normal(TaskEvent.BACKING_OFF, status.getMessage()).aboutJob(last.getJob()));
      }
    }

    /** Adds {@code next} to this pass's AttemptFailed Event about {@code last}, if there is one. */
    private boolean toldWithFailure(AttemptRecord last, String next) {
      for (int i = 0; i < events.size(); i++) {
        TaskEvent e = events.get(i);
        if (e.reason().equals(TaskEvent.ATTEMPT_FAILED) && e.isAboutJob(last.getJob())) {
          events.set(i, e.withMessage(e.message() + "; " + next));
          return true;
        }
      }
      return false;
    }

    /**
     * The retry after {@code last} was due at {@code due}; it waits while a gate does not hold, and
     * dead-letters once it has waited longer than a closed gate's maxWait. Waiting records nothing:
     * the wait is measured from {@code due}, which the history fixes.
     */
    private Optional<Action> waitForGates(int latest, AttemptRecord last, Instant due) {
      List<EffectiveGate> closed =
          policy.gates().stream().filter(g -> !observation.gate(g.key()).holds()).toList();
      if (closed.isEmpty()) {
        return Optional.empty();
      }
      Instant wakeUp = now.plus(GATE_RECHECK);
      for (EffectiveGate gate : closed) {
        if (gate.maxWait().isEmpty()) {
          continue;
        }
        Instant timeout = due.plus(gate.maxWait().get());
        if (!now.isBefore(timeout)) {
          return Optional.of(
              deadLetter(
                  new DeadLetterRecord(
                      DeadLetterReason.GateTimeout,
                      Timestamps.format(now),
                      last.getAttempt(),
                      "attempt %d waited %s (maxWait) for %s: %s; last: %s"
                          .formatted(
                              latest + 1,
                              GoDuration.format(gate.maxWait().get()),
                              gate.describe(),
                              observation.gate(gate.key()).detail(),
                              describe(last)))));
        }
        wakeUp = timeout.isBefore(wakeUp) ? timeout : wakeUp;
      }
      Optional<Instant> deadline = budgets.retryDeadline();
      if (deadline.isPresent() && deadline.get().isBefore(wakeUp)) {
        wakeUp = deadline.get().plusMillis(1); // startsTooLate needs now after the deadline
      }
      EffectiveGate first = closed.get(0);
      String waitsFor = "attempt %d waits for %s".formatted(latest + 1, first.describe());
      status.setPhase(TaskPhase.BackingOff);
      status.setActiveJob(null);
      status.setNextAttemptAt(null);
      status.setMessage(
          "attempt %d (%s) failed: %s; %s: %s"
              .formatted(
                  latest,
                  budgetSpent(),
                  describe(last),
                  waitsFor,
                  observation.gate(first.key()).detail()));
      waitingReason = WAITING_FOR_GATE;
      // One Event per gate waited for, not one per change of its object's state.
      if (previous.getMessage() == null || !previous.getMessage().contains(waitsFor + ":")) {
        events.add(
            TaskEvent.normal(TaskEvent.WAITING_FOR_GATE, status.getMessage())
                .aboutJob(last.getJob()));
      }
      return Optional.of(new WaitUntil(wakeUp));
    }

    /**
     * Starts attempt {@code number}, unless this pass already tried and the API server refused its
     * Job: then nothing starts, the round stays as it is, and the create is tried again later.
     */
    private Action startNow(int number, AttemptRecord last) {
      BudgetHold hold = observation.hold();
      if (hold != null && hold.attempt() == number && last != null) {
        return heldByBudget(last, hold);
      }
      CreateRefusal refusal = observation.refusal();
      if (refusal != null && refusal.attempt() == number) {
        return refused(refusal);
      }
      accounting.start(number);
      String jobName = DeadLetterTask.attemptJobName(task.getMetadata().getName(), number);
      status.setPhase(TaskPhase.Running);
      status.setActiveJob(jobName);
      status.setNextAttemptAt(null);
      // The same message as the running phase, so the pass that sees the Job running writes
      // nothing.
      status.setMessage(runningMessage(number, jobName));
      if (last != null) {
        toldWithFailure(last, "attempt %d starts now as Job %s".formatted(number, jobName));
      }
      return new StartAttempt(
          number, last == null ? null : last.getExitCode(), last == null ? null : last.getReason());
    }

    /**
     * A retry budget holds the retry after {@code last} back: the task waits, spends nothing, and
     * the wait is recorded so that maxRetryDuration leaves it out. One Event per budget waited for.
     */
    private Action heldByBudget(AttemptRecord last, BudgetHold hold) {
      heldByBudget = true;
      if (round().getBudgetWaitSince() == null) {
        round().setBudgetWaitSince(Timestamps.formatMillis(now));
      }
      String waitsFor =
          "attempt %d waits for RetryBudget %s".formatted(hold.attempt(), hold.budget());
      status.setPhase(TaskPhase.BackingOff);
      status.setActiveJob(null);
      status.setNextAttemptAt(Timestamps.formatMillis(hold.recheckAt()));
      status.setMessage(
          "attempt %d (%s) failed: %s; %s: %s"
              .formatted(
                  last.getAttempt(), budgetSpent(), describe(last), waitsFor, hold.detail()));
      waitingReason = hold.reason();
      // One Event per budget waited for, not one per change of its cause (spent, then open...).
      if (previous.getMessage() == null || !previous.getMessage().contains(waitsFor + ":")) {
        events.add(TaskEvent.normal(hold.reason(), status.getMessage()).aboutJob(last.getJob()));
      }
      return new WaitUntil(hold.recheckAt());
    }

    /** A budget's hold ends with the first pass that does anything but wait for the budget. */
    private void endBudgetWait() {
      RoundStatus round = round();
      if (round == null || round.getBudgetWaitSince() == null) {
        return;
      }
      round.setBudgetWait(GoDuration.format(RoundBudgets.budgetWait(round, now)));
      round.setBudgetWaitSince(null);
    }

    /**
     * A quota, an admission webhook or a taken name can go away without the task changing, so a
     * refused create is tried again, at a doubling interval with a cap; at once after a spec edit.
     */
    private Action refused(CreateRefusal refusal) {
      RefusedStart before = status.getRefusedStart();
      boolean again = before != null && before.getAttempt() == refusal.attempt();
      int refusals = again ? before.getRefusals() + 1 : 1;
      Instant retryAt = now.plus(refusalBackoff(refusals));
      status.setRefusedStart(
          new RefusedStart(
              refusal.attempt(),
              refusal.reason(),
              refusal.message(),
              again ? before.getSince() : Timestamps.format(now),
              refusals,
              Timestamps.formatMillis(retryAt),
              task.getMetadata().getGeneration()));
      status.setPhase(status.getAttempts() == 0 ? TaskPhase.Pending : TaskPhase.BackingOff);
      status.setActiveJob(null);
      status.setNextAttemptAt(Timestamps.formatMillis(retryAt));
      status.setMessage(
          "%s; trying again at %s".formatted(refusal.message(), Timestamps.formatMillis(retryAt)));
      stalledReason = refusal.reason();
      if (!again || !refusal.message().equals(before.getMessage())) {
        events.add(TaskEvent.warning(TaskEvent.ATTEMPT_REFUSED, refusal.message()));
      }
      return new WaitUntil(retryAt);
    }

    /**
     * Whether the create of attempt {@code number} was tried and refused: its backoff was over (or
     * a retry request skipped it), so only the refusal's own wait applies now.
     */
    private boolean createRefused(int number) {
      RefusedStart r = status.getRefusedStart();
      return r != null && r.getAttempt() == number;
    }

    /** When a refused create of attempt {@code number} may be tried again, if not yet. */
    private Optional<Instant> refusalWait(int number) {
      RefusedStart r = status.getRefusedStart();
      if (r == null
          || r.getAttempt() != number
          || !Objects.equals(r.getObservedGeneration(), task.getMetadata().getGeneration())) {
        return Optional.empty();
      }
      Instant at = Timestamps.parse(r.getNextTryAt());
      return at != null && now.isBefore(at) ? Optional.of(at) : Optional.empty();
    }

    /** The status keeps the refusal's phase and message until the next try. */
    private Action waitForRefusal(Instant at) {
      stalledReason = status.getRefusedStart().getReason();
      return new WaitUntil(at);
    }

    private Action deadLetter(DeadLetterRecord verdict) {
      verdict.setTemplateHash(templateHash());
      status.setDeadLetter(verdict);
      events.add(
          TaskEvent.warning(
                  TaskEvent.DEAD_LETTERED, verdict.getReason() + ": " + deadLetterMessage(verdict))
              .aboutJob(jobOf(verdict.getAttempt())));
      return deadLettered();
    }

    private Action deadLettered() {
      // The DeadLettered and Stalled conditions say why: RetriesExhausted, PoisonDetected...
      stalledReason = status.getDeadLetter().getReason().name();
      status.setPhase(TaskPhase.DeadLettered);
      status.setActiveJob(null);
      status.setNextAttemptAt(null);
      status.setRefusedStart(null);
      status.setMessage(deadLetterMessage(status.getDeadLetter()));
      return new Idle();
    }

    /** The Job of a recorded attempt (attempt 0 of a captured task is the captured Job). */
    private String jobOf(Integer attempt) {
      return status.getHistory().stream()
          .filter(r -> attempt != null && r.getAttempt() == attempt)
          .map(AttemptRecord::getJob)
          .findFirst()
          .orElse(null);
    }

    private static String deadLetterMessage(DeadLetterRecord d) {
      return d.getMessage()
          + "; set annotation "
          + DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION
          + " to a new value to redrive";
    }

    private RoundStatus round() {
      return accounting.round();
    }
  }

  private static Duration refusalBackoff(int refusals) {
    Duration d = REFUSAL_BACKOFF.multipliedBy(1L << Math.min(refusals - 1, 20));
    return d.compareTo(REFUSAL_BACKOFF_CAP) > 0 ? REFUSAL_BACKOFF_CAP : d;
  }

  static String describe(AttemptRecord r) {
    return r.getExitCode() == null
        ? r.getReason()
        : r.getReason() + " (exit code " + r.getExitCode() + ")";
  }

  private static long generation(DeadLetterTask task) {
    Long g = task.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }
}
