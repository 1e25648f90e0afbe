package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.policy.ModelHistory.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Replays a {@link ModelHistory} on a {@link TaskRun}, the reconciler's model, checking {@link
 * EngineInvariants} after every pass.
 */
final class EngineModel {

  private final TaskRun run;
  private final ModelStats stats;
  private final EngineInvariants invariants = new EngineInvariants();
  private Instant wakeAt;
  private int redrives;
  private int backoff;

  private EngineModel(TaskRun run, ModelStats stats, int backoff) {
    this.run = run;
    this.stats = stats;
    this.backoff = backoff;
  }

  static void replay(ModelHistory history, ModelStats stats) {
    DeadLetterTask task = Tasks.task().build();
    history.start().writeTo(task.getSpec());
    EngineModel model =
        new EngineModel(new TaskRun(task, Tasks.T0), stats, history.start().backoff());
    model.pass(); // the task was created
    for (Step step : history.steps()) {
      model.step(step);
    }
    stats.histories++;
    stats.steps += history.steps().size();
  }

  private void step(Step step) {
    change(step);
    invariants.see(policy());
    switch (step.pass()) {
      case NONE -> {}
      case NORMAL -> pass();
      case LAGGED -> {
        run.lagging(run.jobs().keySet());
        pass();
        run.lagging(Set.of());
        stats.laggedPasses++;
      }
      case LOST_WRITE -> {
        run.loseNextStatusWrite();
        pass();
        stats.lostWrites++;
      }
    }
  }

  private void change(Step step) {
    int arg = step.arg();
    switch (step.kind()) {
      case SUCCEED -> newestRunning().ifPresent(n -> run.after(runTime(step)).succeed(n));
      case FAIL_EXIT -> {
        int code = ModelHistory.EXIT_CODES[arg % ModelHistory.EXIT_CODES.length];
        fail(step, code == 137 ? oomKilled() : Tasks.exitCode(code));
      }
      case FAIL_REASON -> {
        String reason = ModelHistory.REASONS[arg % ModelHistory.REASONS.length];
        fail(step, reason.equals("OOMKilled") ? oomKilled() : Tasks.reason(reason));
      }
      case DELETE_JOB -> {
        // Only a Job the status knows of: a Job deleted before any pass saw it is made again.
        int latest = status() == null ? 0 : status().getAttempts();
        ObservedAttempt job = run.jobs().get(latest);
        if (job != null && !job.finished()) {
          run.after(runTime(step)).deleteJob(latest);
        }
      }
      case WAKE -> {
        Instant at = wakeAt != null && wakeAt.isAfter(run.now()) ? wakeAt : run.now();
        run.at(at.plusMillis(arg % 3000));
      }
      case TICK -> run.after(Duration.ofSeconds(1 + arg % 120));
      case JUMP -> run.after(Duration.ofMinutes(10 + arg % 360));
      case SKEW -> run.controlPlaneSkew(Duration.ofSeconds(step.skewSeconds()));
      case MAX_ATTEMPTS ->
          editIf(
              !Objects.equals(spec().getRetryPolicy().getMaxAttempts(), step.maxAttempts()),
              s -> s.getRetryPolicy().setMaxAttempts(step.maxAttempts()));
      case BACKOFF -> {
        int choice = arg % ModelSpec.BACKOFFS;
        editIf(choice != backoff, s -> ModelSpec.setBackoff(s, choice));
        backoff = choice;
      }
      case MAX_RETRY_DURATION -> {
        int choice = arg % ModelSpec.MAX_RETRY_DURATIONS.size();
        editIf(
            !Objects.equals(
                spec().getRetryPolicy().getMaxRetryDuration(),
                ModelSpec.MAX_RETRY_DURATIONS.get(choice)),
            s -> ModelSpec.setMaxRetryDuration(s, choice));
      }
      case ADD_RULE, REMOVE_RULE, MOVE_RULE, RULE_BUDGET ->
          ModelSpec.ruleEdit(spec(), step.kind(), arg).ifPresent(run::edit);
      case SUSPEND, RESUME -> {
        boolean suspend = step.kind() == ModelHistory.Kind.SUSPEND;
        editIf(Boolean.TRUE.equals(spec().getSuspend()) != suspend, s -> s.setSuspend(suspend));
      }
      case REDRIVE -> run.requestRetry("redrive-" + ++redrives);
      case OLD_REDRIVE -> {
        // The annotation set back to the token already handled (a GitOps sync, say), withdrawing
        // any newer one. Not while a Job newer than the status exists: were it a redrive's whose
        // status write was lost, its token would be gone, and nothing would tell it from a Job
        // older than the dead letter (an attempt Job does not say which round it belongs to).
        int latest = status() == null ? 0 : status().getAttempts();
        String handled = status() == null ? null : status().getLastHandledRetryRequest();
        if (handled != null && run.jobs().keySet().stream().allMatch(n -> n <= latest)) {
          run.requestRetry(handled);
        }
      }
      case REFUSE -> run.refuseCreates("JobForbidden", "exceeded quota: jobs");
      case ACCEPT -> run.refuseCreates(null, null);
      case NOTHING -> {}
    }
  }

  private void pass() {
    DeadLetterTaskStatus before = status();
    EffectivePolicy policy = policy();
    Map<String, String> annotations = run.task().getMetadata().getAnnotations();
    String token =
        annotations == null ? null : annotations.get(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION);
    Instant now = run.now();

    Decision d = run.decide();

    boolean written = status() == d.status();
    invariants.pass(
        new EngineInvariants.Pass(before, policy, token, now, run.lastObservation(), d, written));
    stats.count(before, d, written, run.lastStartFoundItsJob());
    if (d.action() instanceof WaitUntil wait) {
      wakeAt = wait.when();
    }
    if (written) {
      run.pruneHistory(policy.keepSucceeded(), policy.keepFailed());
      if (!run.lastStartFoundItsJob()) {
        StatusChecks.secondLook(d, run.decideAgain(), status());
      }
    }
    invariants.createdOnce(run.creates());
  }

  private void fail(Step step, FailureDetails failure) {
    newestRunning().ifPresent(n -> run.after(runTime(step)).fail(n, failure));
  }

  /** The newest running Job in the world: the status may not know it yet (a lost write). */
  private Optional<Integer> newestRunning() {
    return run.jobs().values().stream()
        .filter(j -> !j.finished())
        .map(ObservedAttempt::number)
        .max(Integer::compare);
  }

  private static Duration runTime(Step step) {
    return Duration.ofSeconds(step.runSeconds());
  }

  private static FailureDetails oomKilled() {
    return new FailureDetails(
        Map.of(Tasks.CONTAINER, 137),
        List.of("OOMKilled", "BackoffLimitExceeded"),
        List.of(),
        137,
        "OOMKilled",
        Tasks.NODE);
  }

  private void editIf(boolean changes, Consumer<DeadLetterTaskSpec> edit) {
    if (changes) {
      run.edit(edit);
    }
  }

  private DeadLetterTaskSpec spec() {
    return run.task().getSpec();
  }

  private DeadLetterTaskStatus status() {
    return run.status();
  }

  private EffectivePolicy policy() {
    return EffectivePolicy.of(spec());
  }
}
