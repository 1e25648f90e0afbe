package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveSpec;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides one pass of a bulk redrive from the redrive and the tasks its label selector matches.
 *
 * <p>The set of tasks is fixed by the first pass, which only records {@code status.startedAt}: a
 * task belongs to the redrive if it carries the redrive's token (it was redriven, whatever happened
 * to it since) or if it is dead-lettered now, was dead-lettered by {@code startedAt} and passes the
 * spec's filters. A redriven task that fails again is dead-lettered after {@code startedAt} and
 * carries the token, so it is neither selected again nor lost from the count; and since progress is
 * read from the tasks, an operator restart between annotating a task and writing the status neither
 * repeats the task nor forgets it.
 */
public final class RedrivePlanner {

  /** Passes never come closer than this: a batch is the rate times this (at least one task). */
  static final Duration MIN_PERIOD = Duration.ofSeconds(1);

  private static final Comparator<DeadLetterTask> LONGEST_DEAD_FIRST =
      Comparator.comparing((DeadLetterTask t) -> deadLetteredAt(t))
          .thenComparing(t -> t.getMetadata().getName());

  private RedrivePlanner() {}

  /**
   * @param tasks the tasks of the redrive's namespace that its label selector matches
   */
  public static RedrivePlan plan(
      DeadLetterRedrive redrive, List<DeadLetterTask> tasks, Instant now) {
    DeadLetterRedriveSpec spec =
        redrive.getSpec() == null ? new DeadLetterRedriveSpec() : redrive.getSpec();
    DeadLetterRedriveStatus previous =
        redrive.getStatus() == null ? new DeadLetterRedriveStatus() : redrive.getStatus();
    long generation = generation(redrive);
    if (over(redrive)) {
      return new RedrivePlan(List.of(), previous, List.of(), null);
    }
    boolean firstPass = previous.getStartedAt() == null;
    Instant startedAt = firstPass ? now : Timestamps.parse(previous.getStartedAt());
    String token = redrive.token();

    int redriven = 0;
    List<DeadLetterTask> pending = new ArrayList<>();
    for (DeadLetterTask task : tasks) {
      if (token.equals(retryRequest(task))) {
        redriven++;
      } else if (selected(spec, task, startedAt)) {
        pending.add(task);
      }
    }
    pending.sort(LONGEST_DEAD_FIRST);
    if (spec.getMaxTasks() != null) {
      pending =
          pending.subList(0, Math.max(0, Math.min(pending.size(), spec.getMaxTasks() - redriven)));
    }

    List<DeadLetterTask> batch =
        firstPass || spec.dryRun()
            ? List.of()
            : pending.subList(0, Math.min(pending.size(), batchSize(spec)));
    int remaining = pending.size() - batch.size();
    boolean complete = spec.dryRun() || (!firstPass && remaining == 0);

    DeadLetterRedriveStatus status = new DeadLetterRedriveStatus();
    status.setStartedAt(Timestamps.format(startedAt));
    status.setMatched(redriven + pending.size());
    status.setRedriven(redriven + batch.size());
    status.setRemaining(remaining);
    status.setObservedGeneration(generation);
    String message = message(spec, status, complete);
    String reason = spec.dryRun() ? "DryRun" : complete ? "AllRedriven" : "Redriving";
    status.setConditions(
        List.of(
            TaskConditions.condition(
                DeadLetterRedriveStatus.COMPLETE,
                complete,
                reason,
                message,
                generation,
                previous.getConditions(),
                now),
            TaskConditions.condition(
                DeadLetterRedriveStatus.FAILED,
                false,
                reason,
                "",
                generation,
                previous.getConditions(),
                now)));

    List<TaskEvent> events = new ArrayList<>();
    if (firstPass && !spec.dryRun()) {
      events.add(TaskEvent.normal(TaskEvent.REDRIVE_STARTED, message));
    }
    if (complete) {
      events.add(TaskEvent.normal(TaskEvent.REDRIVE_COMPLETE, message));
    }
    return new RedrivePlan(
        batch, status, events, complete ? null : firstPass ? Duration.ZERO : period(spec));
  }

  /**
   * Complete or Failed for its current generation: tasks redriven by hand later, or dead-lettered
   * again, are no longer its business, and its status stays as it ended.
   */
  public static boolean over(DeadLetterRedrive redrive) {
    DeadLetterRedriveStatus status = redrive.getStatus();
    return status != null
        && Objects.equals(status.getObservedGeneration(), generation(redrive))
        && (status.isTrue(DeadLetterRedriveStatus.COMPLETE)
            || status.isTrue(DeadLetterRedriveStatus.FAILED));
  }

  /**
   * A redrive the API server refused to list tasks for (a selector it cannot parse): Failed, over.
   */
  public static DeadLetterRedriveStatus failed(DeadLetterRedrive redrive, String why, Instant now) {
    DeadLetterRedriveStatus previous =
        redrive.getStatus() == null ? new DeadLetterRedriveStatus() : redrive.getStatus();
    long generation = generation(redrive);
    DeadLetterRedriveStatus status = new DeadLetterRedriveStatus();
    status.setStartedAt(previous.getStartedAt());
    status.setMatched(previous.getMatched());
    status.setRedriven(previous.getRedriven());
    status.setRemaining(previous.getRemaining());
    status.setObservedGeneration(generation);
    List<Condition> conditions = previous.getConditions();
    status.setConditions(
        List.of(
            TaskConditions.condition(
                DeadLetterRedriveStatus.COMPLETE,
                false,
                "Failed",
                why,
                generation,
                conditions,
                now),
            TaskConditions.condition(
                DeadLetterRedriveStatus.FAILED,
                true,
                "InvalidSelector",
                why,
                generation,
                conditions,
                now)));
    return status;
  }

  /** The time between passes: a second, or longer when less than one task a second is allowed. */
  static Duration period(DeadLetterRedriveSpec spec) {
    long millis = (long) Math.ceil(1000 / spec.ratePerSecond());
    return Duration.ofMillis(Math.max(MIN_PERIOD.toMillis(), millis));
  }

  /**
   * Tasks per pass: rate x period rounded down, so a pass never exceeds the rate (at least one).
   */
  static int batchSize(DeadLetterRedriveSpec spec) {
    double perPass = spec.ratePerSecond() * period(spec).toMillis() / 1000.0;
    return Math.max(1, (int) Math.floor(perPass + 1e-9));
  }

  static boolean selected(DeadLetterRedriveSpec spec, DeadLetterTask task, Instant startedAt) {
    if (task.getStatus() == null
        || task.getStatus().getPhase() != TaskPhase.DeadLettered
        || task.getStatus().getDeadLetter() == null) {
      return false;
    }
    DeadLetterRecord deadLetter = task.getStatus().getDeadLetter();
    Instant at = deadLetteredAt(task);
    if (at.isAfter(startedAt)) {
      return false;
    }
    if (!spec.getReasons().isEmpty() && !spec.getReasons().contains(deadLetter.getReason())) {
      return false;
    }
    Instant before = Timestamps.parse(spec.getDeadLetteredBefore());
    Instant after = Timestamps.parse(spec.getDeadLetteredAfter());
    return (before == null || at.isBefore(before)) && (after == null || !at.isBefore(after));
  }

  private static String message(
      DeadLetterRedriveSpec spec, DeadLetterRedriveStatus s, boolean complete) {
    if (spec.dryRun()) {
      return "dry run: " + s.getMatched() + " task(s) would be redriven";
    }
    return complete
        ? "redrove " + s.getRedriven() + " of " + s.getMatched() + " task(s)"
        : "redriving "
            + s.getMatched()
            + " task(s) at most "
            + spec.ratePerSecond()
            + " a second: "
            + s.getRedriven()
            + " done, "
            + s.getRemaining()
            + " to go";
  }

  /** A dead letter without a time (written before deadLetter.at existed) counts as long ago. */
  private static Instant deadLetteredAt(DeadLetterTask task) {
    DeadLetterRecord deadLetter =
        task.getStatus() == null ? null : task.getStatus().getDeadLetter();
    Instant at = deadLetter == null ? null : Timestamps.parse(deadLetter.getAt());
    return at == null ? Instant.EPOCH : at;
  }

  private static String retryRequest(DeadLetterTask task) {
    Map<String, String> annotations = task.getMetadata().getAnnotations();
    return annotations == null
        ? null
        : annotations.get(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION);
  }

  private static long generation(DeadLetterRedrive redrive) {
    Long generation = redrive.getMetadata().getGeneration();
    return generation == null ? 1 : generation;
  }
}
