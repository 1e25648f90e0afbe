package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterRecord;
import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveSpec;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RedrivePlannerTest {

  static final Instant T0 = Tasks.T0;
  static final String UID = "3b0c8d52-7f1e-4a55-9c2e-5e3f1d0a7b64";
  static final String TOKEN = "redrive-" + UID;

  @Test
  void firstPassFixesTheStartAndCountsWithoutRedrivingAnything() {
    DeadLetterRedrive redrive = redrive(new DeadLetterRedriveSpec());

    RedrivePlan plan = RedrivePlanner.plan(redrive, deadTasks(3), T0);

    assertThat(plan.batch()).isEmpty();
    assertThat(plan.status().getStartedAt()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(counts(plan)).containsExactly(3, 0, 3);
    assertThat(plan.status().isTrue(DeadLetterRedriveStatus.COMPLETE)).isFalse();
    assertThat(plan.events()).extracting(TaskEvent::reason).containsExactly("RedriveStarted");
    assertThat(plan.nextPassAfter()).isEqualTo(Duration.ZERO);
  }

  @Test
  void redrivesAtMostTheRateEachSecondLongestDeadFirst() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setRatePerSecond(2.0);
    List<DeadLetterTask> tasks = new ArrayList<>(deadTasks(5));
    tasks.add(0, dead("oldest", T0.minusSeconds(3600)));
    DeadLetterRedrive redrive = started(spec, T0);

    RedrivePlan plan = RedrivePlanner.plan(redrive, tasks, T0.plusSeconds(1));

    assertThat(names(plan.batch())).containsExactly("oldest", "task-0");
    assertThat(counts(plan)).containsExactly(6, 2, 4);
    assertThat(plan.nextPassAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(plan.events()).isEmpty();
  }

  @Test
  void slowRatesSpreadSingleTasksOverLongerPasses() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setRatePerSecond(0.2);
    RedrivePlan plan = RedrivePlanner.plan(started(spec, T0), deadTasks(3), T0);
    assertThat(plan.batch()).hasSize(1);
    assertThat(plan.nextPassAfter()).isEqualTo(Duration.ofSeconds(5));

    spec.setRatePerSecond(2.5);
    assertThat(RedrivePlanner.plan(started(spec, T0), deadTasks(9), T0).batch()).hasSize(2);
    assertThat(
            RedrivePlanner.plan(started(new DeadLetterRedriveSpec(), T0), deadTasks(9), T0).batch())
        .as("default rate 5/s")
        .hasSize(5);
  }

  @Test
  void aTaskCarryingTheTokenIsRedrivenAndNeverRedrivenAgain() {
    // An operator killed after annotating task-0 but before writing the status: the next pass reads
    // the token from the task.
    List<DeadLetterTask> tasks = deadTasks(2);
    withToken(tasks.get(0));

    RedrivePlan plan = RedrivePlanner.plan(started(new DeadLetterRedriveSpec(), T0), tasks, T0);

    assertThat(names(plan.batch())).containsExactly("task-1");
    assertThat(counts(plan)).containsExactly(2, 2, 0);
  }

  @Test
  void aRedrivenTaskDeadLetteredAgainIsCountedOnceAndLeftAlone() {
    DeadLetterTask again = withToken(dead("again", T0.plusSeconds(30)));
    DeadLetterTask waiting = dead("waiting", T0.minusSeconds(10));

    RedrivePlan plan =
        RedrivePlanner.plan(
            started(new DeadLetterRedriveSpec(), T0), List.of(again, waiting), T0.plusSeconds(31));

    assertThat(names(plan.batch())).containsExactly("waiting");
    assertThat(counts(plan)).containsExactly(2, 2, 0);
  }

  @Test
  void tasksDeadLetteredAfterTheStartOrNotDeadLetteredAreNotSelected() {
    DeadLetterTask later = dead("later", T0.plusSeconds(1));
    DeadLetterTask running = task("running", TaskPhase.Running, null);
    DeadLetterTask succeeded = task("succeeded", TaskPhase.Succeeded, null);
    DeadLetterTask noStatus = task("new", null, null);
    noStatus.setStatus(null);

    RedrivePlan plan =
        RedrivePlanner.plan(
            started(new DeadLetterRedriveSpec(), T0),
            List.of(later, running, succeeded, noStatus),
            T0.plusSeconds(5));

    assertThat(plan.batch()).isEmpty();
    assertThat(counts(plan)).containsExactly(0, 0, 0);
    assertThat(plan.status().isTrue(DeadLetterRedriveStatus.COMPLETE)).isTrue();
  }

  @Test
  void filtersByReasonAndDeadLetterTime() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setReasons(List.of(DeadLetterReason.RetriesExhausted));
    spec.setDeadLetteredAfter("2029-12-31T23:00:00Z");
    spec.setDeadLetteredBefore("2029-12-31T23:30:00Z");
    DeadLetterTask inWindow = dead("in-window", Instant.parse("2029-12-31T23:00:00Z"));
    DeadLetterTask tooEarly = dead("too-early", Instant.parse("2029-12-31T22:59:59Z"));
    DeadLetterTask tooLate = dead("too-late", Instant.parse("2029-12-31T23:30:00Z"));
    DeadLetterTask poison = dead("poison", Instant.parse("2029-12-31T23:10:00Z"));
    poison.getStatus().getDeadLetter().setReason(DeadLetterReason.PoisonDetected);

    RedrivePlan plan =
        RedrivePlanner.plan(started(spec, T0), List.of(inWindow, tooEarly, tooLate, poison), T0);

    assertThat(names(plan.batch())).containsExactly("in-window");
  }

  @Test
  void maxTasksCountsTheTasksAlreadyRedriven() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setMaxTasks(3);
    List<DeadLetterTask> tasks = deadTasks(6);
    withToken(tasks.get(4));
    withToken(tasks.get(5));

    RedrivePlan plan = RedrivePlanner.plan(started(spec, T0), tasks, T0);

    assertThat(names(plan.batch())).containsExactly("task-0");
    assertThat(counts(plan)).containsExactly(3, 3, 0);
    assertThat(plan.done()).isTrue();
  }

  @Test
  void dryRunCountsAndCompletesAtOnce() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setDryRun(true);

    RedrivePlan plan = RedrivePlanner.plan(redrive(spec), deadTasks(4), T0);

    assertThat(plan.batch()).isEmpty();
    assertThat(counts(plan)).containsExactly(4, 0, 4);
    assertThat(plan.status().condition(DeadLetterRedriveStatus.COMPLETE).getReason())
        .isEqualTo("DryRun");
    assertThat(plan.events()).extracting(TaskEvent::reason).containsExactly("RedriveComplete");
    assertThat(plan.done()).isTrue();
  }

  @Test
  void theLastBatchCompletesItAndACompleteRedriveStaysAsItEnded() {
    DeadLetterRedrive redrive = started(new DeadLetterRedriveSpec(), T0);
    List<DeadLetterTask> tasks = deadTasks(2);

    RedrivePlan last = RedrivePlanner.plan(redrive, tasks, T0.plusSeconds(1));
    assertThat(last.status().isTrue(DeadLetterRedriveStatus.COMPLETE)).isTrue();
    assertThat(last.status().condition(DeadLetterRedriveStatus.COMPLETE).getLastTransitionTime())
        .isEqualTo("2030-01-01T00:00:01Z");
    assertThat(last.events()).extracting(TaskEvent::reason).containsExactly("RedriveComplete");
    assertThat(last.done()).isTrue();

    redrive.setStatus(last.status());
    tasks.forEach(RedrivePlannerTest::withToken);
    List<DeadLetterTask> later = new ArrayList<>(tasks);
    later.add(dead("dead-since", T0.plusSeconds(60)));
    RedrivePlan after = RedrivePlanner.plan(redrive, later, T0.plusSeconds(120));
    assertThat(after.batch()).isEmpty();
    assertThat(after.status()).isSameAs(last.status());
    assertThat(after.events()).isEmpty();
    assertThat(RedrivePlanner.over(redrive)).isTrue();
  }

  @Test
  void anUnchangedPassKeepsTheConditionsTransitionTime() {
    DeadLetterRedriveSpec spec = new DeadLetterRedriveSpec();
    spec.setRatePerSecond(1.0);
    DeadLetterRedrive redrive = started(spec, T0);
    RedrivePlan first = RedrivePlanner.plan(redrive, deadTasks(3), T0.plusSeconds(1));
    redrive.setStatus(first.status());

    RedrivePlan second = RedrivePlanner.plan(redrive, deadTasks(3), T0.plusSeconds(2));

    assertThat(second.status().condition(DeadLetterRedriveStatus.COMPLETE).getLastTransitionTime())
        .isEqualTo(
            first.status().condition(DeadLetterRedriveStatus.COMPLETE).getLastTransitionTime());
    assertThat(second.status().condition(DeadLetterRedriveStatus.COMPLETE).getObservedGeneration())
        .isEqualTo(1L);
  }

  @Test
  void aRefusedSelectorFailsTheRedrive() {
    DeadLetterRedrive redrive = started(new DeadLetterRedriveSpec(), T0);

    DeadLetterRedriveStatus status = RedrivePlanner.failed(redrive, "bad selector", T0);
    redrive.setStatus(status);

    assertThat(status.isTrue(DeadLetterRedriveStatus.FAILED)).isTrue();
    assertThat(status.condition(DeadLetterRedriveStatus.FAILED).getMessage())
        .isEqualTo("bad selector");
    assertThat(status.isTrue(DeadLetterRedriveStatus.COMPLETE)).isFalse();
    assertThat(RedrivePlanner.over(redrive)).isTrue();
  }

  // --- fixtures ---

  static DeadLetterRedrive redrive(DeadLetterRedriveSpec spec) {
    DeadLetterRedrive redrive = new DeadLetterRedrive();
    redrive.setMetadata(
        new ObjectMetaBuilder()
            .withName("after-outage")
            .withNamespace(Tasks.NAMESPACE)
            .withUid(UID)
            .withGeneration(1L)
            .build());
    redrive.setSpec(spec);
    return redrive;
  }

  /** A redrive whose first pass ran at {@code startedAt}. */
  static DeadLetterRedrive started(DeadLetterRedriveSpec spec, Instant startedAt) {
    DeadLetterRedrive redrive = redrive(spec);
    redrive.setStatus(RedrivePlanner.plan(redrive, List.of(), startedAt).status());
    return redrive;
  }

  /** task-0 .. task-(n-1), dead-lettered a minute before T0, one second apart in that order. */
  static List<DeadLetterTask> deadTasks(int n) {
    return new ArrayList<>(
        IntStream.range(0, n).mapToObj(i -> dead("task-" + i, T0.minusSeconds(60 - i))).toList());
  }

  static DeadLetterTask dead(String name, Instant at) {
    return task(
        name,
        TaskPhase.DeadLettered,
        new DeadLetterRecord(
            DeadLetterReason.RetriesExhausted, Timestamps.format(at), 1, "failed"));
  }

  static DeadLetterTask task(String name, TaskPhase phase, DeadLetterRecord deadLetter) {
    DeadLetterTask task = new DeadLetterTask();
    task.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(Tasks.NAMESPACE).build());
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    status.setPhase(phase);
    status.setDeadLetter(deadLetter);
    task.setStatus(status);
    return task;
  }

  static DeadLetterTask withToken(DeadLetterTask task) {
    task.getMetadata().setAnnotations(Map.of(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, TOKEN));
    return task;
  }

  static List<String> names(List<DeadLetterTask> tasks) {
    return tasks.stream().map(t -> t.getMetadata().getName()).toList();
  }

  /** matched, redriven, remaining */
  static List<Integer> counts(RedrivePlan plan) {
    return List.of(
        plan.status().getMatched(), plan.status().getRedriven(), plan.status().getRemaining());
  }
}
