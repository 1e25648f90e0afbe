package dev.deadletter.testing;

import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.HistoryLimits;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.RetryRule;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds DeadLetterTasks for integration and end-to-end tests; pods are simulated by KWOK
 * annotations.
 */
public final class TaskBuilder {

  private final String name;
  private final Map<String, String> podAnnotations = new HashMap<>();
  private final RetryPolicy policy = new RetryPolicy();
  private final BackoffPolicy backoff = new BackoffPolicy();
  private final List<RetryRule> rules = new ArrayList<>();
  private Boolean suspend;
  private HistoryLimits historyLimits;
  private String serviceAccount;

  private TaskBuilder(String name) {
    this.name = name;
    backoff.setInitialDelay("1s");
    backoff.setJitter(0.0);
    podAnnotations.put("sim.deadletter.dev/duration", "500ms");
  }

  public static TaskBuilder task(String name) {
    return new TaskBuilder(name);
  }

  /** One simulated exit code per attempt, e.g. "3,3,0"; the last repeats. */
  public TaskBuilder exitCodes(String codes) {
    podAnnotations.put("sim.deadletter.dev/exit-codes", codes);
    return this;
  }

  public TaskBuilder podAnnotation(String key, String value) {
    podAnnotations.put(key, value);
    return this;
  }

  public TaskBuilder maxAttempts(int n) {
    policy.setMaxAttempts(n);
    return this;
  }

  public TaskBuilder initialDelay(String d) {
    backoff.setInitialDelay(d);
    return this;
  }

  public TaskBuilder maxRetryDuration(String d) {
    policy.setMaxRetryDuration(d);
    return this;
  }

  public TaskBuilder attemptTimeout(String d) {
    policy.setAttemptTimeout(d);
    return this;
  }

  public TaskBuilder deadLetterOnExitCodes(Integer... codes) {
    return rule(RetryAction.DeadLetter, codes);
  }

  public TaskBuilder rule(RetryAction action, Integer... codes) {
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    ExitCodeMatcher m = new ExitCodeMatcher();
    m.setOperator(ExitCodeMatcher.Operator.In);
    m.setValues(List.of(codes));
    rule.setOnExitCodes(m);
    rules.add(rule);
    return this;
  }

  public TaskBuilder reasonRule(RetryAction action, String... reasons) {
    RetryRule rule = new RetryRule();
    rule.setAction(action);
    rule.setOnReasons(List.of(reasons));
    rules.add(rule);
    return this;
  }

  public TaskBuilder suspended(boolean value) {
    suspend = value;
    return this;
  }

  public TaskBuilder keep(int succeeded, int failed) {
    historyLimits = new HistoryLimits();
    historyLimits.setSucceeded(succeeded);
    historyLimits.setFailed(failed);
    return this;
  }

  public TaskBuilder serviceAccount(String name) {
    serviceAccount = name;
    return this;
  }

  public DeadLetterTask build() {
    DeadLetterTask task = new DeadLetterTask();
    task.setMetadata(new ObjectMetaBuilder().withName(name).build());
    DeadLetterTaskSpec spec = new DeadLetterTaskSpec();
    spec.setJobTemplate(
        new JobTemplateSpecBuilder()
            .withNewSpec()
            .withNewTemplate()
            .withNewMetadata()
            .withAnnotations(podAnnotations)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withServiceAccountName(serviceAccount)
            .addNewContainer()
            .withName("main")
            .withImage("busybox:1.36")
            .withCommand("sh", "-c", "exit 0")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build());
    policy.setBackoff(backoff);
    if (!rules.isEmpty()) {
      policy.setRules(rules);
    }
    spec.setRetryPolicy(policy);
    spec.setSuspend(suspend);
    spec.setHistoryLimits(historyLimits);
    task.setSpec(spec);
    return task;
  }
}
