package dev.deadletter.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.Ownership;
import dev.deadletter.policy.Decision;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.policy.ObservedAttempt;
import dev.deadletter.policy.RetryDecider;
import dev.deadletter.policy.TaskEvent;
import dev.deadletter.policy.Tasks;
import dev.deadletter.testing.Attempts;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.EventListBuilder;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.V1APIGroupDSL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked") // mocks of the client's generic DSL
class StalledAttemptsTest {

  private static final Instant CREATED = Instant.parse("2026-11-28T10:00:00Z");
  private static final Instant NOW = CREATED.plus(Duration.ofMinutes(5));
  private static final String TASK = "ns/task";
  private static final String QUOTA = "exceeded quota: compute, requested: cpu=2, limited: cpu=1";
  private static final String WEBHOOK = "admission webhook \"policy.example\" denied the request";

  private final StalledAttempts stalled = new StalledAttempts();

  @Test
  void aJobWithoutAnyPodIsBlockedWithTheJobControllersReason() {
    Lookups lookups = new Lookups();
    lookups.answer("serviceaccount \"missing\" not found");
    Map<Integer, ObservedAttempt> observed = running();

    var lookAgain =
        stalled.check(lookups.client, TASK, 1, observed, List.of(job(null)), List.of(), NOW);

    assertThat(observed.get(1).blockedBy())
        .isEqualTo("its pods cannot be created: serviceaccount \"missing\" not found");
    assertThat(lookAgain).contains(StalledAttempts.RECHECK);
  }

  @Test
  void aLookupThatFailsFindsNothingOrIsNotDueKeepsTheKnownCause() {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    lookups.fail(429);
    lookups.fail(500);
    lookups.answerNothing();

    List<String> seen = new ArrayList<>();
    Instant now = NOW;
    for (int pass = 0; pass < 4; pass++) {
      seen.add(blockedBy(lookups.client, now));
      seen.add(blockedBy(lookups.client, now.plusSeconds(1)));
      now = now.plus(StalledAttempts.RECHECK);
    }

    assertThat(seen).containsOnly("its pods cannot be created: " + QUOTA);
    assertThat(lookups.made).as("one lookup per RECHECK, not one per pass").isEqualTo(4);
  }

  @Test
  void aLookupSkippedBecauseAnotherIsInFlightKeepsTheKnownCause() {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    blockedBy(lookups.client, NOW);
    Instant later = NOW.plus(StalledAttempts.RECHECK);
    List<String> seenMeanwhile = new ArrayList<>();
    // Another task's lookup holds the one lookup slot while this task's pass runs.
    Lookups other = new Lookups();
    other.during(() -> seenMeanwhile.add(blockedBy(lookups.client, later)));

    stalled.check(other.client, "ns/other", 1, running(), List.of(job(null)), List.of(), later);

    assertThat(seenMeanwhile).containsExactly("its pods cannot be created: " + QUOTA);
    assertThat(lookups.made).isEqualTo(1);
  }

  @Test
  void aDifferentCauseReplacesTheKnownOne() {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    lookups.answer(WEBHOOK);

    assertThat(blockedBy(lookups.client, NOW)).endsWith(QUOTA);
    assertThat(blockedBy(lookups.client, NOW.plus(StalledAttempts.RECHECK))).endsWith(WEBHOOK);
  }

  @Test
  void podsThatAppearEndTheBlockAndAFailedLookupDoesNotBringItBack() {
    assertThatProgressEndsTheBlock(List.of(job(null)), List.of(podOf("job-uid")));
  }

  @Test
  void aReadyPodEndsTheBlockAndAFailedLookupDoesNotBringItBack() {
    // Pods are not cached before they fail; the Job controller counted this one ready.
    assertThatProgressEndsTheBlock(List.of(job(active(1, 1))), List.of());
  }

  @Test
  void aJobWhosePodIsNotReadyIsLookedUpAfterTheGraceAndBlockedWithTheContainersReason() {
    Lookups lookups = new Lookups();
    lookups.answerPods(waitingPod("ImagePullBackOff", "Back-off pulling image \"busybox:1.36\""));
    Job notReady = job(active(1, 0));

    Map<Integer, ObservedAttempt> early = running();
    var lookAgain =
        stalled.check(
            lookups.client, TASK, 1, early, List.of(notReady), List.of(), CREATED.plusSeconds(10));
    assertThat(early.get(1).blockedBy()).as("a pod may take a while to start").isNull();
    assertThat(lookAgain).contains(StalledAttempts.GRACE.minusSeconds(10));
    assertThat(lookups.podLookups).isZero();

    Map<Integer, ObservedAttempt> observed = running();
    lookAgain = stalled.check(lookups.client, TASK, 1, observed, List.of(notReady), List.of(), NOW);
    assertThat(observed.get(1).blockedBy())
        .isEqualTo("its pod is waiting: ImagePullBackOff: Back-off pulling image \"busybox:1.36\"");
    assertThat(lookAgain).contains(StalledAttempts.RECHECK);
    assertThat(lookups.podLookups).isEqualTo(1);
    assertThat(lookups.made).as("no Events read for a Job that has pods").isZero();
  }

  @Test
  void aPodThatStartsNormallyIsNoCauseAndIsLookedAtAgainLater() {
    Lookups lookups = new Lookups();
    lookups.answerPods(waitingPod("ContainerCreating", null));
    Map<Integer, ObservedAttempt> observed = running();

    var lookAgain =
        stalled.check(
            lookups.client, TASK, 1, observed, List.of(job(active(1, 0))), List.of(), NOW);

    assertThat(observed.get(1).blockedBy()).isNull();
    assertThat(lookAgain).contains(StalledAttempts.RECHECK);
    assertThat(lookups.podLookups).isEqualTo(1);
  }

  @Test
  void manyJobsThatLookStalledAtOnceAreLookedUpAtMostOnceASecondAfterABurst() {
    // A busy Job controller is slow to count ready pods: on a busy cluster many Jobs look stalled.
    Lookups lookups = new Lookups();
    List<Job> notReady = List.of(job(active(1, 0)));
    for (int second = 0; second <= 10; second++) {
      for (int task = 0; task < 50; task++) {
        stalled.check(
            lookups.client,
            "ns/t" + task,
            1,
            running(),
            notReady,
            List.of(),
            NOW.plusSeconds(second));
      }
    }

    assertThat(StalledAttempts.LOOKUPS_PER_SECOND).isEqualTo(1);
    assertThat(lookups.podLookups).isEqualTo(StalledAttempts.LOOKUP_BURST + 10);
  }

  @Test
  void aJobThatGetsPodsDropsTheCreateFailureAndLooksAtItsPods() {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    lookups.answerPods(
        waitingPod("CreateContainerConfigError", "configmap \"settings\" not found"));
    assertThat(blockedBy(lookups.client, NOW)).endsWith(QUOTA);

    Map<Integer, ObservedAttempt> observed = running();
    stalled.check(
        lookups.client,
        TASK,
        1,
        observed,
        List.of(job(active(1, 0))),
        List.of(),
        NOW.plusSeconds(1));

    assertThat(observed.get(1).blockedBy())
        .isEqualTo(
            "its pod is waiting: CreateContainerConfigError: configmap \"settings\" not found");
  }

  private void assertThatProgressEndsTheBlock(List<Job> jobs, List<Pod> pods) {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    lookups.fail(500);
    assertThat(blockedBy(lookups.client, NOW)).endsWith(QUOTA);

    Map<Integer, ObservedAttempt> observed = running();
    var lookAgain =
        stalled.check(lookups.client, TASK, 1, observed, jobs, pods, NOW.plusSeconds(1));
    assertThat(observed.get(1).blockedBy()).isNull();
    assertThat(lookAgain).isEmpty();

    // The pods are gone again (say, deleted) and the next lookup fails: not blocked on old news.
    assertThat(blockedBy(lookups.client, NOW.plus(StalledAttempts.RECHECK))).isNull();
  }

  @Test
  void nothingIsRememberedForJobsThatEndedOrAreGoneOrForTasksNoLongerSeen() {
    Lookups lookups = new Lookups();
    for (int i = 0; i < 5; i++) {
      lookups.answer(QUOTA);
    }
    blockedBy(lookups.client, NOW);
    assertThat(stalled.remembered()).isEqualTo(1);

    Map<Integer, ObservedAttempt> ended = new HashMap<>(Map.of(1, failedAttempt()));
    stalled.check(lookups.client, TASK, 1, ended, List.of(job(null)), List.of(), NOW);
    assertThat(stalled.remembered()).as("the attempt failed").isZero();

    blockedBy(lookups.client, NOW);
    stalled.check(lookups.client, TASK, 1, running(), List.of(), List.of(), NOW);
    assertThat(stalled.remembered()).as("its Job is gone").isZero();

    blockedBy(lookups.client, NOW);
    stalled.check(lookups.client, TASK, 2, new HashMap<>(), List.of(job(null)), List.of(), NOW);
    assertThat(stalled.remembered()).as("a new attempt, not yet seen").isZero();

    // The task was deleted (no pass will come for it) while another task is still checked.
    blockedBy(lookups.client, NOW);
    Instant muchLater = NOW.plus(StalledAttempts.FORGET_AFTER).plusSeconds(1);
    stalled.check(lookups.client, "ns/other", 1, running(), List.of(), List.of(), muchLater);
    assertThat(stalled.remembered()).as("a task not checked for a long time").isZero();
  }

  @Test
  void aCauseGivesOneWarningAndOneStatusMessageWhileLookupsComeAndGo() {
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    lookups.fail(429);
    lookups.answer(QUOTA);
    lookups.fail(500);
    lookups.answer(QUOTA);
    DeadLetterTask task = Tasks.task().name("task").build();
    task.setStatus(RetryDecider.decide(task, Map.of(), CREATED).status());

    List<String> messages = new ArrayList<>();
    List<TaskEvent> warnings = new ArrayList<>();
    for (int pass = 0; pass < 5; pass++) {
      Instant now = NOW.plus(StalledAttempts.RECHECK.multipliedBy(pass));
      Map<Integer, ObservedAttempt> observed = running();
      stalled.check(lookups.client, TASK, 1, observed, List.of(job(null)), List.of(), now);
      Decision decision = RetryDecider.decide(task, observed, now);
      task.setStatus(decision.status());
      messages.add(decision.status().getMessage());
      decision.events().stream().filter(TaskEvent::warning).forEach(warnings::add);
    }

    // Only the cause is asserted: the decider's wording around it is not this class's.
    assertThat(messages).as("one status message, so no rewrite").containsOnly(messages.get(0));
    assertThat(messages.get(0)).contains("its pods cannot be created: " + QUOTA);
    assertThat(warnings)
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(TaskEvent.ATTEMPT_BLOCKED));
  }

  @Test
  void aJobWhosePodsTheJobControllerCountedIsNotLookedUp() {
    // Pods are not cached before they fail: the Job's own counts tell that its pod was created,
    // and a ready one that it runs.
    for (Job job :
        List.of(
            job(
                new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withSucceeded(1)
                    .build()),
            job(active(1, 1)),
            job(
                new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withNewUncountedTerminatedPods()
                    .withSucceeded("pod-uid")
                    .endUncountedTerminatedPods()
                    .build()))) {
      KubernetesClient client = mock(KubernetesClient.class);
      Map<Integer, ObservedAttempt> observed = running();

      var lookAgain = stalled.check(client, TASK, 1, observed, List.of(job), List.of(), NOW);

      assertThat(lookAgain).as(job.getStatus().toString()).isEmpty();
      assertThat(observed.get(1).blockedBy()).isNull();
      verifyNoInteractions(client);
    }
  }

  @Test
  void aSuspendedJobIsWaitingNotStalledUntilItIsResumed() {
    // Kueue creates Jobs suspended and resumes them when it admits them; no pod is made meanwhile.
    Lookups lookups = new Lookups();
    lookups.answer(QUOTA);
    Map<Integer, ObservedAttempt> observed = running();

    var whileSuspended =
        stalled.check(
            lookups.client, TASK, 1, observed, List.of(job(suspended("True"))), List.of(), NOW);

    assertThat(whileSuspended).isEmpty();
    assertThat(observed.get(1).blockedBy()).isNull();
    assertThat(lookups.made).isZero();

    Map<Integer, ObservedAttempt> resumed = running();
    stalled.check(
        lookups.client, TASK, 1, resumed, List.of(job(suspended("False"))), List.of(), NOW);

    assertThat(lookups.made).as("resumed without a pod: looked up again").isEqualTo(1);
    assertThat(resumed.get(1).blockedBy()).endsWith(QUOTA);
  }

  private static JobStatus suspended(String status) {
    return new JobStatusBuilder()
        .addNewCondition()
        .withType("Suspended")
        .withStatus(status)
        .endCondition()
        .build();
  }

  private String blockedBy(KubernetesClient client, Instant now) {
    Map<Integer, ObservedAttempt> observed = running();
    stalled.check(client, TASK, 1, observed, List.of(job(null)), List.of(), now);
    return observed.get(1).blockedBy();
  }

  /** A client whose FailedCreate lookups answer in turn as the test queued them. */
  private static final class Lookups {
    final KubernetesClient client = mock(KubernetesClient.class);
    final Deque<Supplier<EventList>> answers = new ArrayDeque<>();
    int made;

    final Deque<PodList> podAnswers = new ArrayDeque<>();
    int podLookups;

    Lookups() {
      MixedOperation<Pod, PodList, PodResource> pods = mock(MixedOperation.class);
      NonNamespaceOperation<Pod, PodList, PodResource> podsInNamespace =
          mock(NonNamespaceOperation.class);
      FilterWatchListDeletable<Pod, PodList, PodResource> ofJob =
          mock(FilterWatchListDeletable.class);
      when(client.pods()).thenReturn(pods);
      when(pods.inNamespace("ns")).thenReturn(podsInNamespace);
      when(podsInNamespace.withLabel(Ownership.JOB_UID_LABEL, "job-uid")).thenReturn(ofJob);
      when(ofJob.list(any(ListOptions.class)))
          .thenAnswer(
              invocation -> {
                podLookups++;
                return podAnswers.isEmpty() ? new PodList() : podAnswers.removeFirst();
              });
      V1APIGroupDSL v1 = mock(V1APIGroupDSL.class);
      MixedOperation<Event, EventList, Resource<Event>> events = mock(MixedOperation.class);
      NonNamespaceOperation<Event, EventList, Resource<Event>> inNamespace =
          mock(NonNamespaceOperation.class);
      when(client.v1()).thenReturn(v1);
      when(v1.events()).thenReturn(events);
      when(events.inNamespace("ns")).thenReturn(inNamespace);
      when(inNamespace.list(any(ListOptions.class)))
          .thenAnswer(
              invocation -> {
                made++;
                return answers.isEmpty() ? new EventList() : answers.removeFirst().get();
              });
    }

    void answer(String message) {
      answers.add(
          () ->
              new EventListBuilder()
                  .addToItems(
                      new EventBuilder()
                          .withReason("FailedCreate")
                          .withMessage(message)
                          .withLastTimestamp("2026-11-28T10:00:05Z")
                          .build())
                  .build());
    }

    void answerPods(Pod... pods) {
      podAnswers.add(new PodListBuilder().addToItems(pods).build());
    }

    void answerNothing() {
      answers.add(EventList::new);
    }

    void fail(int code) {
      answers.add(
          () -> {
            throw new KubernetesClientException("lookup failed", code, null);
          });
    }

    /** Runs {@code meanwhile} while this lookup is in flight. */
    void during(Runnable meanwhile) {
      answers.add(
          () -> {
            meanwhile.run();
            return new EventList();
          });
    }
  }

  private static ObservedAttempt failedAttempt() {
    return ObservedAttempt.failed(
        1,
        "task-1",
        CREATED,
        NOW,
        new FailureDetails(
            Map.of(), List.of("DeadlineExceeded"), List.of(), null, "deadline", null));
  }

  private static Pod podOf(String jobUid) {
    return Attempts.pod("task-1-abcde").namespace("ns").ownedBy("task-1", jobUid).build();
  }

  private static Pod waitingPod(String reason, String message) {
    return Attempts.pod("task-1-abcde")
        .namespace("ns")
        .ownedBy("task-1", "job-uid")
        .waiting(reason, message)
        .build();
  }

  private static JobStatus active(int active, int ready) {
    return new JobStatusBuilder().withActive(active).withReady(ready).build();
  }

  private static Map<Integer, ObservedAttempt> running() {
    return new HashMap<>(Map.of(1, ObservedAttempt.running(1, "task-1", CREATED)));
  }

  private static Job job(JobStatus status) {
    return Attempts.job("task-1")
        .namespace("ns")
        .uid("job-uid")
        .createdAt(CREATED.toString())
        .status(status)
        .build();
  }
}
