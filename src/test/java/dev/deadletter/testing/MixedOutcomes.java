package dev.deadletter.testing;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.TaskPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * The workload of the fault tests: tasks named {@code <prefix>-<i>} whose simulated outcomes cycle
 * through success at attempt 1, 2 and 3, exhaustion and a DeadLetter rule, and the one assertion
 * every fault scenario makes: each task ends where its outcomes lead, its attempts are numbered
 * 1..n without gaps, and the API server's audit log shows each attempt Job created exactly once.
 */
public final class MixedOutcomes {

  /** Simulated exit codes per attempt, and what they must lead to with maxAttempts 3. */
  public record Scenario(String exitCodes, TaskPhase phase, int attempts) {}

  public static final List<Scenario> SCENARIOS =
      List.of(
          new Scenario("0", TaskPhase.Succeeded, 1),
          new Scenario("1,0", TaskPhase.Succeeded, 2),
          new Scenario("1,1,0", TaskPhase.Succeeded, 3),
          new Scenario("1,1,1", TaskPhase.DeadLettered, 3),
          new Scenario("2", TaskPhase.DeadLettered, 1)); // exit code 2: a DeadLetter rule

  private final KubernetesClient client;
  private final String namespace;
  private final String prefix;
  private final int count;

  private MixedOutcomes(KubernetesClient client, String namespace, String prefix, int count) {
    this.client = client;
    this.namespace = namespace;
    this.prefix = prefix;
    this.count = count;
  }

  /** Creates {@code count} tasks whose attempts each run {@code attemptDuration} (e.g. "1s"). */
  public static MixedOutcomes create(
      KubernetesClient client, String namespace, String prefix, int count, String attemptDuration) {
    return create(client, namespace, prefix, count, attemptDuration, UnaryOperator.identity());
  }

  /** As above, each task's builder passed through {@code customize} last. */
  public static MixedOutcomes create(
      KubernetesClient client,
      String namespace,
      String prefix,
      int count,
      String attemptDuration,
      UnaryOperator<TaskBuilder> customize) {
    for (int i = 0; i < count; i++) {
      Scenario s = SCENARIOS.get(i % SCENARIOS.size());
      TaskBuilder t =
          task(prefix + "-" + i)
              .exitCodes(s.exitCodes())
              .maxAttempts(3)
              .deadLetterOnExitCodes(2)
              .podAnnotation("sim.deadletter.dev/duration", attemptDuration);
      client.resource(customize.apply(t).build()).inNamespace(namespace).create();
    }
    return new MixedOutcomes(client, namespace, prefix, count);
  }

  /** Whether every task is Succeeded or DeadLettered now. */
  public boolean allFinal() {
    List<DeadLetterTask> l = tasks();
    return l.size() == count && l.stream().allMatch(MixedOutcomes::isFinal);
  }

  /** Deletes the tasks (their Jobs follow by garbage collection). */
  public void delete() {
    tasks().forEach(t -> client.resource(t).delete());
  }

  private static boolean isFinal(DeadLetterTask t) {
    return t.getStatus() != null
        && (t.getStatus().getPhase() == TaskPhase.Succeeded
            || t.getStatus().getPhase() == TaskPhase.DeadLettered);
  }

  /** Waits until every task is Succeeded or DeadLettered. */
  public List<DeadLetterTask> awaitFinal(Duration timeout) {
    return await()
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(this::tasks, l -> l.size() == count && l.stream().allMatch(MixedOutcomes::isFinal));
  }

  /**
   * Phases, contiguous history and exactly one create per attempt Job (audit log); returns the
   * number of attempt Jobs. A create whose answer was lost and that the log cannot settle counts as
   * the one: the history and phase checked before show that the attempt ran.
   */
  public int assertEachAttemptRanOnce(List<DeadLetterTask> done) {
    Map<String, AuditedCreates> creates = LocalCluster.jobCreates(namespace);
    int expectedJobs = 0;
    for (DeadLetterTask t : done) {
      String name = t.getMetadata().getName();
      Scenario s =
          SCENARIOS.get(Integer.parseInt(name.substring(prefix.length() + 1)) % SCENARIOS.size());
      assertThat(t.getStatus().getPhase()).as("%s phase", name).isEqualTo(s.phase());
      assertThat(t.getStatus().getAttempts()).as("%s attempts", name).isEqualTo(s.attempts());
      assertThat(t.getStatus().getHistory())
          .as("%s history", name)
          .extracting(AttemptRecord::getAttempt)
          .containsExactlyElementsOf(IntStream.rangeClosed(1, s.attempts()).boxed().toList());
      if (s.exitCodes().equals("2")) {
        assertThat(t.getStatus().getHistory().get(0).getAction()).isEqualTo(RetryAction.DeadLetter);
      }
      for (int n = 1; n <= s.attempts(); n++) {
        assertThat(creates.get(name + "-" + n))
            .as("creates of %s-%d in the audit log", name, n)
            .isNotNull()
            .extracting(AuditedCreates::atMost)
            .isEqualTo(1);
      }
      expectedJobs += s.attempts();
    }
    assertThat(creates.keySet().stream().filter(j -> j.startsWith(prefix + "-")).toList())
        .as("no attempt Job beyond the expected ones")
        .hasSize(expectedJobs);
    return expectedJobs;
  }

  private List<DeadLetterTask> tasks() {
    return client.resources(DeadLetterTask.class).inNamespace(namespace).list().getItems().stream()
        .filter(t -> t.getMetadata().getName().startsWith(prefix + "-"))
        .toList();
  }
}
