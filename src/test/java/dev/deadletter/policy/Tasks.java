package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.HistoryLimits;
import dev.deadletter.api.v1alpha1.PodConditionMatcher;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.RetryRule;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test fixtures: DeadLetterTasks, failure rules and observed attempts, so tests read like
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

  public static TaskBuilder task() {
    return new TaskBuilder();
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

  // --- failure rules ---

  public static RetryRule onExitCodes(
      RetryAction action, ExitCodeMatcher.Operator operator, Integer... codes) {
    return onExitCodesOf(null, action, operator, codes);
  }

  public static RetryRule onExitCodesOf(
      String container, RetryAction action, ExitCodeMatcher.Operator operator, Integer... codes) {
    ExitCodeMatcher matcher = new ExitCodeMatcher();
    matcher.setContainerName(container);
    matcher.setOperator(operator);
    matcher.setValues(List.of(codes));
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnExitCodes(matcher);
    return rule;
  }

  public static RetryRule onReasons(RetryAction action, String... reasons) {
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnReasons(List.of(reasons));
    return rule;
  }

  /** {@code status} may be null: the matcher's default (True) applies. */
  public static RetryRule onPodCondition(RetryAction action, String type, String status) {
    PodConditionMatcher matcher = new PodConditionMatcher();
    matcher.setType(type);
    matcher.setStatus(status);
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnPodConditions(List.of(matcher));
    return rule;
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

  /** Builds a DeadLetterTask; every retry policy field left unset takes the operator's default. */
  public static final class TaskBuilder {
    private String name = NAME;
    private long generation = 1;
    private final Map<String, String> annotations = new HashMap<>();
    private JobTemplateSpec jobTemplate = Tasks.jobTemplate();
    private Integer maxAttempts;
    private BackoffPolicy backoff;
    private String attemptTimeout;
    private String maxRetryDuration;
    private final List<RetryRule> rules = new ArrayList<>();
    private Boolean suspend;
    private HistoryLimits historyLimits;
    private DeadLetterTaskStatus status;

    private TaskBuilder() {}

    public TaskBuilder name(String name) {
      this.name = name;
      return this;
    }

    public TaskBuilder generation(long generation) {
      this.generation = generation;
      return this;
    }

    public TaskBuilder jobTemplate(JobTemplateSpec jobTemplate) {
      this.jobTemplate = jobTemplate;
      return this;
    }

    public TaskBuilder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public TaskBuilder backoff(
        String initialDelay, double multiplier, String maxDelay, double jitter) {
      backoff = new BackoffPolicy();
      backoff.setInitialDelay(initialDelay);
      backoff.setMultiplier(multiplier);
      backoff.setMaxDelay(maxDelay);
      backoff.setJitter(jitter);
      return this;
    }

    /** Only these two backoff fields set; the others take their defaults. */
    public TaskBuilder delays(String initialDelay, String maxDelay) {
      backoff = new BackoffPolicy();
      backoff.setInitialDelay(initialDelay);
      backoff.setMaxDelay(maxDelay);
      return this;
    }

    public TaskBuilder attemptTimeout(String attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    public TaskBuilder maxRetryDuration(String maxRetryDuration) {
      this.maxRetryDuration = maxRetryDuration;
      return this;
    }

    public TaskBuilder rules(RetryRule... rules) {
      this.rules.addAll(Arrays.asList(rules));
      return this;
    }

    public TaskBuilder suspend(boolean suspend) {
      this.suspend = suspend;
      return this;
    }

    public TaskBuilder historyLimits(int succeeded, int failed) {
      historyLimits = new HistoryLimits();
      historyLimits.setSucceeded(succeeded);
      historyLimits.setFailed(failed);
      return this;
    }

    public TaskBuilder retryRequestedAt(String value) {
      annotations.put(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, value);
      return this;
    }

    public TaskBuilder status(DeadLetterTaskStatus status) {
      this.status = status;
      return this;
    }

    public DeadLetterTask build() {
      RetryPolicy policy = new RetryPolicy();
      policy.setMaxAttempts(maxAttempts);
      policy.setBackoff(backoff);
      policy.setAttemptTimeout(attemptTimeout);
      policy.setMaxRetryDuration(maxRetryDuration);
      policy.setRules(rules.isEmpty() ? null : List.copyOf(rules));
      DeadLetterTaskSpec spec = new DeadLetterTaskSpec();
      spec.setJobTemplate(jobTemplate);
      spec.setRetryPolicy(policy);
      spec.setSuspend(suspend);
      spec.setHistoryLimits(historyLimits);
      DeadLetterTask task = new DeadLetterTask();
      task.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(NAMESPACE)
              .withUid(UID)
              .withGeneration(generation)
              .withAnnotations(annotations.isEmpty() ? null : new HashMap<>(annotations))
              .build());
      task.setSpec(spec);
      task.setStatus(status);
      return task;
    }
  }
}
