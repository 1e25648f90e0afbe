package dev.deadletter.testing;

import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.HistoryLimits;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.RetryRule;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds DeadLetterTasks, for tests with or without a cluster. {@link #task(String)} starts from a
 * task for a cluster: KWOK simulates its pods (the {@code sim.deadletter.dev/} annotations of
 * {@link #exitCodes} and {@link #podAnnotation}), and it retries after 1s without jitter. {@link
 * #of(String, JobTemplateSpec)} starts from only a name and a template: every retry policy field
 * left unset takes the operator's default (the scenarios of {@code policy.Tasks#task()} start
 * there).
 */
public final class TaskBuilder {

  private String name;
  private String namespace;
  private String uid;
  private Long generation;
  private final Map<String, String> annotations = new HashMap<>();
  private JobTemplateSpec jobTemplate;
  private final Map<String, String> podAnnotations = new HashMap<>();
  private String serviceAccount;
  private Integer maxAttempts;
  private BackoffPolicy backoff;
  private String attemptTimeout;
  private String maxRetryDuration;
  private final List<RetryRule> rules = new ArrayList<>();
  private Boolean suspend;
  private HistoryLimits historyLimits;
  private DeadLetterTaskStatus status;

  private TaskBuilder(String name, JobTemplateSpec jobTemplate) {
    this.name = name;
    this.jobTemplate = jobTemplate;
  }

  /** A task whose pods KWOK simulates (succeeding after 500ms unless told otherwise). */
  public static TaskBuilder task(String name) {
    TaskBuilder task = new TaskBuilder(name, simulatedTemplate());
    task.podAnnotations.put("sim.deadletter.dev/duration", "500ms");
    task.backoff = new BackoffPolicy();
    task.backoff.setInitialDelay("1s");
    task.backoff.setJitter(0.0);
    return task;
  }

  /** A task of this template and nothing else set. */
  public static TaskBuilder of(String name, JobTemplateSpec jobTemplate) {
    return new TaskBuilder(name, jobTemplate);
  }

  private static JobTemplateSpec simulatedTemplate() {
    return new JobTemplateSpecBuilder()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("main")
        .withImage("busybox:1.36")
        .withCommand("sh", "-c", "exit 0")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  // --- metadata ---

  private List<RetryGate> gates;

  public TaskBuilder name(String name) {
    this.name = name;
    return this;
  }

  public TaskBuilder namespace(String namespace) {
    this.namespace = namespace;
    return this;
  }

  public TaskBuilder uid(String uid) {
    this.uid = uid;
    return this;
  }

  public TaskBuilder generation(long generation) {
    this.generation = generation;
    return this;
  }

  public TaskBuilder retryRequestedAt(String value) {
    annotations.put(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, value);
    return this;
  }

  // --- the Job template ---

  public TaskBuilder jobTemplate(JobTemplateSpec jobTemplate) {
    this.jobTemplate = jobTemplate;
    return this;
  }

  /** One simulated exit code per attempt, e.g. "3,3,0"; the last repeats. */
  public TaskBuilder exitCodes(String codes) {
    return podAnnotation("sim.deadletter.dev/exit-codes", codes);
  }

  public TaskBuilder podAnnotation(String key, String value) {
    podAnnotations.put(key, value);
    return this;
  }

  public TaskBuilder serviceAccount(String name) {
    serviceAccount = name;
    return this;
  }

  // --- the retry policy ---

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

  /** The initial delay; the other backoff fields stay as they are. */
  public TaskBuilder initialDelay(String initialDelay) {
    if (backoff == null) {
      backoff = new BackoffPolicy();
    }
    backoff.setInitialDelay(initialDelay);
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

  /** See {@link Rules}. */
  public TaskBuilder rules(RetryRule... rules) {
    this.rules.addAll(Arrays.asList(rules));
    return this;
  }

  public TaskBuilder deadLetterOnExitCodes(Integer... codes) {
    return rules(Rules.onExitCodes(RetryAction.DeadLetter, ExitCodeMatcher.Operator.In, codes));
  }

  // --- the rest of the spec, and the status ---

  public TaskBuilder suspended(boolean suspend) {
    this.suspend = suspend;
    return this;
  }

  /** The history limits: how many succeeded and failed attempt Jobs are kept. */
  public TaskBuilder keep(int succeeded, int failed) {
    historyLimits = new HistoryLimits();
    historyLimits.setSucceeded(succeeded);
    historyLimits.setFailed(failed);
    return this;
  }

  public TaskBuilder gates(RetryGate... gates) {
    this.gates = List.of(gates);
    return this;
  }

  public TaskBuilder status(DeadLetterTaskStatus status) {
    this.status = status;
    return this;
  }

  public DeadLetterTask build() {
    JobTemplateSpecBuilder template = new JobTemplateSpecBuilder(jobTemplate);
    if (!podAnnotations.isEmpty() || serviceAccount != null) {
      template
          .editOrNewSpec()
          .editOrNewTemplate()
          .editOrNewMetadata()
          .addToAnnotations(podAnnotations)
          .endMetadata()
          .editOrNewSpec()
          .withServiceAccountName(serviceAccount)
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    RetryPolicy policy = new RetryPolicy();
    policy.setMaxAttempts(maxAttempts);
    policy.setBackoff(backoff);
    policy.setAttemptTimeout(attemptTimeout);
    policy.setMaxRetryDuration(maxRetryDuration);
    policy.setRules(rules.isEmpty() ? null : List.copyOf(rules));
    policy.setGates(gates);
    DeadLetterTaskSpec spec = new DeadLetterTaskSpec();
    spec.setJobTemplate(template.build());
    spec.setRetryPolicy(policy);
    spec.setSuspend(suspend);
    spec.setHistoryLimits(historyLimits);
    DeadLetterTask task = new DeadLetterTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withUid(uid)
            .withGeneration(generation)
            .withAnnotations(annotations.isEmpty() ? null : new HashMap<>(annotations))
            .build());
    task.setSpec(spec);
    task.setStatus(status);
    return task;
  }
}
