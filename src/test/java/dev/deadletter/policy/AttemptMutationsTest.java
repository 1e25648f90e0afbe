package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.DeadlineGrowth;
import dev.deadletter.api.v1alpha1.NodeAvoidance;
import dev.deadletter.api.v1alpha1.QuantityGrowth;
import dev.deadletter.api.v1alpha1.ResourceMutation;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.RuleMutation;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.AttemptMutations.ResourceValue;
import dev.deadletter.policy.Decision.WaitUntil;
import dev.deadletter.testing.Rules;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttemptMutationsTest {

  private static final Duration RUNTIME = Duration.ofSeconds(30);

  // --- resources ---

  @Test
  void noFailureOfTheRuleInTheRoundChangesNothing() {
    DeadLetterTask task = task(template("256Mi", "256Mi", null), oom(1.5, "512Mi"));

    AttemptMutations m = plan(task, Map.of());

    assertThat(m.isEmpty()).isTrue();
    assertThat(m.summary()).isEmpty();
  }

  @Test
  void aFailureOfAnotherRuleChangesNothing() {
    DeadLetterTask task = task(template("256Mi", "256Mi", null), oom(1.5, "512Mi"));

    assertThat(plan(task, Map.of("other", 2)).isEmpty()).isTrue();
  }

  @Test
  void oneFailureGrowsRequestsAndLimitsByTheFactor() {
    DeadLetterTask task = task(template("128Mi", "256Mi", null), oom(1.5, "1Gi"));

    AttemptMutations m = plan(task, Map.of("oom", 1));

    assertThat(m.resources())
        .containsExactly(
            new ResourceValue("main", "requests", "memory", "192Mi"),
            new ResourceValue("main", "limits", "memory", "384Mi"));
    assertThat(m.summary()).isEqualTo("requests.memory/main=192Mi,limits.memory/main=384Mi");
  }

  @Test
  void twoFailuresGrowByTheFactorSquaredFromTheTemplate() {
    DeadLetterTask task = task(template("128Mi", "256Mi", null), oom(1.5, "1Gi"));

    AttemptMutations m = plan(task, Map.of("oom", 2));

    // 256Mi x 2.25 = 576Mi: from the template, not from the previous attempt's value
    assertThat(m.summary()).isEqualTo("requests.memory/main=288Mi,limits.memory/main=576Mi");
  }

  @Test
  void growthStopsAtTheCapWrittenAsTheCapIs() {
    DeadLetterTask task = task(template("256Mi", "256Mi", null), oom(1.5, "512Mi"));

    assertThat(plan(task, Map.of("oom", 2)).summary())
        .isEqualTo("requests.memory/main=512Mi,limits.memory/main=512Mi");
    assertThat(plan(task, Map.of("oom", 7)).summary())
        .isEqualTo("requests.memory/main=512Mi,limits.memory/main=512Mi");
  }

  @Test
  void memoryIsRoundedUpToWholeMebibytesAndShownInGibibytesWhenWhole() {
    DeadLetterTask task = task(template(null, "100Mi", null), oom(1.5, "4Gi"));

    assertThat(plan(task, Map.of("oom", 3)).summary())
        .isEqualTo("limits.memory/main=338Mi"); // 337.5Mi
    DeadLetterTask whole = task(template(null, "512Mi", null), oom(2, "4Gi"));
    assertThat(plan(whole, Map.of("oom", 1)).summary()).isEqualTo("limits.memory/main=1Gi");
  }

  @Test
  void cpuGrowsInMillicoresUpToItsCap() {
    RetryRule rule = rule("slow", resources(null, new QuantityGrowth(1.5, "1")));
    DeadLetterTask task = task(template(null, null, "500m"), rule);

    assertThat(plan(task, Map.of("slow", 1)).summary())
        .isEqualTo("requests.cpu/main=750m,limits.cpu/main=750m");
    assertThat(plan(task, Map.of("slow", 2)).summary())
        .isEqualTo("requests.cpu/main=1,limits.cpu/main=1");
  }

  @Test
  void memoryAndCpuGrowTogether() {
    ResourceMutation r = resources(new QuantityGrowth(2.0, "1Gi"), new QuantityGrowth(2.0, "2"));
    DeadLetterTask task = task(template("256Mi", "256Mi", "250m"), rule("oom", r));

    assertThat(plan(task, Map.of("oom", 1)).summary())
        .isEqualTo(
            "requests.memory/main=512Mi,limits.memory/main=512Mi,"
                + "requests.cpu/main=500m,limits.cpu/main=500m");
  }

  @Test
  void onlyTheNamedContainersGrow() {
    JobTemplateSpec template = template("256Mi", "256Mi", null);
    template
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .add(
            new ContainerBuilder()
                .withName("proxy")
                .withResources(
                    new ResourceRequirementsBuilder()
                        .withLimits(Map.of("memory", new Quantity("64Mi")))
                        .build())
                .build());
    ResourceMutation r = resources(new QuantityGrowth(2.0, "1Gi"), null);
    DeadLetterTask all = task(template, rule("oom", r));
    assertThat(plan(all, Map.of("oom", 1)).summary()).contains("limits.memory/proxy=128Mi");

    r.setContainers(List.of("main"));
    assertThat(plan(all, Map.of("oom", 1)).summary())
        .isEqualTo("requests.memory/main=512Mi,limits.memory/main=512Mi");
  }

  @Test
  void aValueTheTemplateSetsAboveTheCapIsNeverLowered() {
    DeadLetterTask task = task(template("128Mi", "1Gi", null), oom(2, "512Mi"));

    assertThat(plan(task, Map.of("oom", 1)).summary()).isEqualTo("requests.memory/main=256Mi");
  }

  @Test
  void aContainerWithoutResourcesIsLeftAlone() {
    DeadLetterTask task = task(Tasks.jobTemplate(), oom(2, "512Mi"));

    assertThat(plan(task, Map.of("oom", 3)).isEmpty()).isTrue();
  }

  @Test
  void theMutationsOfEveryRuleWithFailuresApplyEachByItsOwnCount() {
    RetryRule oom = oom(2, "4Gi");
    RetryRule evicted = rule("evicted", resources(new QuantityGrowth(1.5, "4Gi"), null));
    evicted.setOnReasons(List.of("Evicted"));
    DeadLetterTask task = task(template(null, "256Mi", null), oom, evicted);

    // 256Mi x 2^1 x 1.5^2 = 1152Mi
    assertThat(plan(task, Map.of("oom", 1, "evicted", 2)).summary())
        .isEqualTo("limits.memory/main=1152Mi");
  }

  // --- deadline ---

  @Test
  void theDeadlineGrowsFromAttemptTimeoutUpToItsCap() {
    RuleMutation m = new RuleMutation();
    m.setExtendDeadline(new DeadlineGrowth(2.0, "3m"));
    RetryRule slow = Rules.onReasons(RetryAction.Retry, "DeadlineExceeded");
    slow.setName("slow");
    slow.setMutate(m);
    DeadLetterTask task = Tasks.task().attemptTimeout("1m").rules(slow).build();

    assertThat(plan(task, Map.of("slow", 1)).activeDeadlineSeconds()).isEqualTo(120L);
    assertThat(plan(task, Map.of("slow", 2)).summary()).isEqualTo("activeDeadlineSeconds=180");
    assertThat(plan(task, Map.of("slow", 0)).activeDeadlineSeconds()).isNull();
  }

  @Test
  void theTemplatesOwnDeadlineIsTheBase() {
    RuleMutation m = new RuleMutation();
    m.setExtendDeadline(new DeadlineGrowth(1.5, "1h"));
    RetryRule slow = Rules.onReasons(RetryAction.Retry, "DeadlineExceeded");
    slow.setName("slow");
    slow.setMutate(m);
    JobTemplateSpec template = Tasks.jobTemplate();
    template.getSpec().setActiveDeadlineSeconds(100L);
    DeadLetterTask task =
        Tasks.task().jobTemplate(template).attemptTimeout("10s").rules(slow).build();

    assertThat(plan(task, Map.of("slow", 1)).activeDeadlineSeconds()).isEqualTo(150L);
  }

  @Test
  void noDeadlineToGrowWithoutTimeoutOrTemplateDeadline() {
    RuleMutation m = new RuleMutation();
    m.setExtendDeadline(new DeadlineGrowth(2.0, "1h"));
    RetryRule slow = rule("slow", null);
    slow.setMutate(m);

    assertThat(plan(Tasks.task().rules(slow).build(), Map.of("slow", 2)).isEmpty()).isTrue();
  }

  // --- nodes ---

  @Test
  void theRulesFailedNodesOfTheRoundAreAvoidedMostRecentFirstUpToMaxExcluded() {
    RetryRule flaky = avoiding("flaky", null, 2);
    DeadLetterTask task = Tasks.task().rules(flaky).build();
    DeadLetterTaskStatus status =
        status(
            Map.of("flaky", 4),
            2,
            record(1, "flaky", "node-old"), // an earlier round
            record(2, "flaky", "node-a"),
            record(3, "other", "node-x"),
            record(4, "flaky", "node-b"),
            record(5, "flaky", "node-a"),
            record(6, "flaky", "node-c"));

    AttemptMutations m = AttemptMutations.plan(task.getSpec(), policy(task), status);

    assertThat(m.preferredAvoid()).containsExactly("node-c", "node-a");
    assertThat(m.requiredAvoid()).isEmpty();
    assertThat(m.summary()).isEqualTo("avoidNodes.Preferred=node-c+node-a");
  }

  @Test
  void requiredAvoidanceIsKeptApartAndWinsOverPreferred() {
    RetryRule soft = avoiding("soft", NodeAvoidance.Mode.Preferred, null);
    RetryRule hard = avoiding("hard", NodeAvoidance.Mode.Required, null);
    hard.setOnReasons(List.of("Evicted"));
    DeadLetterTask task = Tasks.task().rules(soft, hard).build();
    DeadLetterTaskStatus status =
        status(
            Map.of("soft", 2, "hard", 1),
            1,
            record(1, "soft", "node-a"),
            record(2, "hard", "node-a"),
            record(3, "soft", "node-b"));

    AttemptMutations m = AttemptMutations.plan(task.getSpec(), policy(task), status);

    assertThat(m.requiredAvoid()).containsExactly("node-a");
    assertThat(m.preferredAvoid()).containsExactly("node-b");
  }

  // --- the cap, in the decider ---

  @Test
  void aFailureAfterAnAttemptThatRanAtTheCapDeadLettersTheRound() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .jobTemplate(template(null, "256Mi", null))
                .maxAttempts(10)
                .backoff("1s", 2, "1m", 0)
                .rules(oom(1.5, "300Mi")));

    failOom(run, 1); // ran at 256Mi; the next at 300Mi (384Mi capped)
    assertThat(run.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(planned(run)).isEqualTo("limits.memory/main=300Mi");
    startNext(run);
    failOom(run, 2); // ran at the cap: nothing left to grow

    assertThat(run.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.ResourceCapReached);
    assertThat(run.status().getDeadLetter().getAttempt()).isEqualTo(2);
    assertThat(run.status().getDeadLetter().getMessage()).contains("rule oom", "OOMKilled");
  }

  @Test
  void retryUnchangedRetriesAtTheCapUntilABudgetEnds() {
    RetryRule oom = oom(1.5, "300Mi");
    oom.getMutate().getResources().setOnCapReached(ResourceMutation.OnCapReached.RetryUnchanged);
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .jobTemplate(template(null, "256Mi", null))
                .maxAttempts(3)
                .backoff("1s", 2, "1m", 0)
                .rules(oom));

    failOom(run, 1);
    startNext(run);
    failOom(run, 2);
    assertThat(run.status().getPhase()).isEqualTo(TaskPhase.BackingOff);
    assertThat(planned(run)).isEqualTo("limits.memory/main=300Mi");
    startNext(run);
    failOom(run, 3);

    assertThat(run.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.RetriesExhausted);
  }

  @Test
  void aTemplateAlreadyAtTheCapDeadLettersAfterItsFirstFailure() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .jobTemplate(template(null, "512Mi", null))
                .backoff("1s", 2, "1m", 0)
                .rules(oom(1.5, "512Mi")));

    failOom(run, 1);

    assertThat(run.status().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.ResourceCapReached);
  }

  @Test
  void aRedriveStartsAgainFromTheTemplate() {
    TaskRun run =
        TaskRun.of(
            Tasks.task()
                .jobTemplate(template(null, "256Mi", null))
                .backoff("1s", 2, "1m", 0)
                .rules(oom(1.5, "300Mi")));
    failOom(run, 1);
    startNext(run);
    failOom(run, 2);
    assertThat(run.status().getPhase()).isEqualTo(TaskPhase.DeadLettered);

    run.requestRetry("2030-01-02T00:00:00Z");
    run.decide();

    assertThat(run.status().getAttempts()).isEqualTo(3);
    assertThat(planned(run)).isEmpty();
  }

  // --- the spec ---

  @Test
  void aFactorOfOneOrAQuantityThatDoesNotParseStallsTheTask() {
    DeadLetterTask flat = task(template(null, "256Mi", null), oom(1.0, "512Mi"));
    assertThatThrownBy(() -> EffectivePolicy.of(flat.getSpec()))
        .hasMessageContaining("retryPolicy.rules[0].mutate.resources.memory.factor");

    DeadLetterTask bad = task(template(null, "256Mi", null), oom(2, "lots"));
    assertThatThrownBy(() -> EffectivePolicy.of(bad.getSpec()))
        .hasMessageContaining("retryPolicy.rules[0].mutate.resources.memory.max");
  }

  // --- helpers ---

  private static void failOom(TaskRun run, int attempt) {
    if (attempt == 1) {
      run.decide();
    }
    run.after(RUNTIME).fail(attempt, reason("OOMKilled"));
    run.decide();
  }

  private static void startNext(TaskRun run) {
    Decision d = run.decideAgain();
    run.at(((WaitUntil) d.action()).when());
    run.decide();
  }

  private static String planned(TaskRun run) {
    return AttemptMutations.plan(run.task().getSpec(), policy(run.task()), run.status()).summary();
  }

  private static AttemptMutations plan(DeadLetterTask task, Map<String, Integer> failures) {
    return AttemptMutations.plan(task.getSpec(), policy(task), status(failures, 1));
  }

  private static EffectivePolicy policy(DeadLetterTask task) {
    return EffectivePolicy.of(task.getSpec());
  }

  private static DeadLetterTaskStatus status(
      Map<String, Integer> failures, int roundNumber, AttemptRecord... history) {
    DeadLetterTaskStatus status = new DeadLetterTaskStatus();
    RoundStatus round = new RoundStatus();
    round.setNumber(roundNumber);
    round.setFirstAttempt(roundNumber == 1 ? 1 : 2);
    round.setRuleFailures(failures);
    status.setRound(round);
    status.setHistory(new java.util.ArrayList<>(List.of(history)));
    return status;
  }

  private static AttemptRecord record(int attempt, String rule, String node) {
    AttemptRecord r = new AttemptRecord();
    r.setAttempt(attempt);
    r.setRule(rule);
    r.setNode(node);
    r.setOutcome(AttemptRecord.Outcome.Failed);
    return r;
  }

  private static DeadLetterTask task(JobTemplateSpec template, RetryRule... rules) {
    return Tasks.task().jobTemplate(template).rules(rules).build();
  }

  private static RetryRule oom(double factor, String max) {
    RetryRule rule = rule("oom", resources(new QuantityGrowth(factor, max), null));
    rule.setOnReasons(List.of("OOMKilled"));
    return rule;
  }

  private static RetryRule avoiding(String name, NodeAvoidance.Mode mode, Integer maxExcluded) {
    NodeAvoidance a = new NodeAvoidance();
    a.setMode(mode);
    a.setMaxExcluded(maxExcluded);
    RuleMutation m = new RuleMutation();
    m.setAvoidFailedNodes(a);
    RetryRule rule = Rules.onReasons(RetryAction.Retry, "Error");
    rule.setName(name);
    rule.setMutate(m);
    return rule;
  }

  private static RetryRule rule(String name, ResourceMutation resources) {
    RetryRule rule = Rules.onReasons(RetryAction.Retry, "OOMKilled");
    rule.setName(name);
    if (resources != null) {
      RuleMutation m = new RuleMutation();
      m.setResources(resources);
      rule.setMutate(m);
    }
    return rule;
  }

  private static ResourceMutation resources(QuantityGrowth memory, QuantityGrowth cpu) {
    ResourceMutation r = new ResourceMutation();
    r.setMemory(memory);
    r.setCpu(cpu);
    return r;
  }

  /** One container "main" with these requests.memory, limits.memory and cpu (both). */
  static JobTemplateSpec template(String requestsMemory, String limitsMemory, String cpu) {
    ResourceRequirementsBuilder r = new ResourceRequirementsBuilder();
    if (requestsMemory != null) {
      r.addToRequests("memory", new Quantity(requestsMemory));
    }
    if (limitsMemory != null) {
      r.addToLimits("memory", new Quantity(limitsMemory));
    }
    if (cpu != null) {
      r.addToRequests("cpu", new Quantity(cpu));
      r.addToLimits("cpu", new Quantity(cpu));
    }
    return new JobTemplateSpecBuilder()
        .withNewSpec()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName(Tasks.CONTAINER)
        .withImage("registry.example/export:1.4")
        .withResources(r.build())
        .endContainer()
        .withRestartPolicy("Never")
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
