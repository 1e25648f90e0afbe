package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.testing.TaskBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test fixtures: the scenarios' DeadLetterTask, failures and observed attempts, so tests read like
 * scenarios.
 */
public final class Tasks {

  public static final String NAME = "nightly-export";
  public static final String NAMESPACE = "reports";
  public static final String UID = "6f1c2a9e-1b7d-4c1e-9a53-0d2f7e8b4c11";
  public static final String CONTAINER = "main";
  public static final String NODE = "node-a";

  /** The fixed start of every scenario's clock. */
  public static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private Tasks() {}

  /**
   * The task of the scenarios: this name, namespace, uid and template, generation 1; every retry
   * policy field left unset takes the operator's default.
   */
  public static TaskBuilder task() {
    return TaskBuilder.of(NAME, jobTemplate()).namespace(NAMESPACE).uid(UID).generation(1);
  }

  /** A Job template with one container, as a user would write it. */
  public static JobTemplateSpec jobTemplate() {
    return new JobTemplateSpecBuilder()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage("registry.example/export:1.4")
        .withCommand("/bin/export", "--since=yesterday")
        .endContainer()
        .withRestartPolicy("Never")
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  public static String jobName(int attempt) {
    return NAME + "-" + attempt;
  }

  // --- failures and observed attempts ---

  /** The main container exited with {@code code} (reason Error, as the kubelet reports it). */
  public static FailureDetails exitCode(int code) {
    return new FailureDetails(
        Map.of(CONTAINER, code),
        List.of("Error", "BackoffLimitExceeded"),
        List.of(),
        code,
        "exit " + code,
        NODE);
  }

  /** A failure known only by its reason, e.g. Evicted or DeadlineExceeded. */
  public static FailureDetails reason(String reason) {
    return new FailureDetails(
        Map.of(), List.of(reason), List.of(), null, "failed: " + reason, null);
  }

  public static ObservedAttempt running(int attempt, Instant start) {
    return ObservedAttempt.running(attempt, jobName(attempt), start);
  }

  public static ObservedAttempt succeeded(int attempt, Instant start, Instant finish) {
    return ObservedAttempt.succeeded(attempt, jobName(attempt), start, finish);
  }

  public static ObservedAttempt failed(
      int attempt, Instant start, Instant finish, FailureDetails failure) {
    return ObservedAttempt.failed(attempt, jobName(attempt), start, finish, failure);
  }

  public static Map<Integer, ObservedAttempt> observed(ObservedAttempt... attempts) {
    Map<Integer, ObservedAttempt> byNumber = new TreeMap<>();
    for (ObservedAttempt a : attempts) {
      byNumber.put(a.number(), a);
    }
    return byNumber;
  }

  public static Condition condition(DeadLetterTaskStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no condition " + type + " in " + status.getConditions()));
  }
}
