package dev.deadletter.e2e;

import static dev.deadletter.testing.TaskBuilder.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterReason;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.ExitCodeMatcher;
import dev.deadletter.api.v1alpha1.NodeAvoidance;
import dev.deadletter.api.v1alpha1.QuantityGrowth;
import dev.deadletter.api.v1alpha1.ResourceMutation;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.api.v1alpha1.RuleMutation;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.policy.AttemptMutations;
import dev.deadletter.testing.LocalCluster;
import dev.deadletter.testing.LocalNamespace;
import dev.deadletter.testing.Rules;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-attempt mutation on the full local cluster: a KWOK pod whose memory limit is below its
 * sim.deadletter.dev/needs-memory ends OOMKilled, and a rule on OOMKilled grows the limit.
 */
class MutationE2E {

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-mutate");

  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void bind() {
    client = namespace.client();
    ns = namespace.name();
  }

  @Test
  void anOomKilledAttemptIsRetriedWithMoreMemoryAndSucceeds() {
    create("grows", "512Mi");

    DeadLetterTask done = awaitTask("grows", t -> t.getStatus().getPhase() == TaskPhase.Succeeded);

    String grown = "requests.memory/main=384Mi,limits.memory/main=384Mi";
    assertThat(done.getStatus().getAttempts()).isEqualTo(2);
    assertThat(memoryLimit(job("grows-1"))).isEqualTo(new Quantity("256Mi"));
    assertThat(job("grows-1").getMetadata().getAnnotations())
        .doesNotContainKey(AttemptMutations.ANNOTATION);
    assertThat(memoryLimit(job("grows-2"))).isEqualTo(new Quantity("384Mi"));
    assertThat(main(job("grows-2")).getResources().getRequests())
        .containsEntry("memory", new Quantity("384Mi"));
    assertThat(job("grows-2").getMetadata().getAnnotations())
        .containsEntry(AttemptMutations.ANNOTATION, grown);
    assertThat(main(job("grows-2")).getEnv())
        .contains(new EnvVar(AttemptJobFactory.ENV_MUTATIONS, grown, null));
    List<AttemptRecord> history = done.getStatus().getHistory();
    assertThat(history).extracting(AttemptRecord::getReason).containsExactly("OOMKilled", null);
    assertThat(history.get(0).getExitCode()).isEqualTo(137);
    assertThat(history.get(0).getRule()).isEqualTo("oom");
    assertThat(history).extracting(AttemptRecord::getMutations).containsExactly(null, grown);
    assertThat(done.getStatus().getRound().getRuleFailures()).containsEntry("oom", 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(client.events().v1().events().inNamespace(ns).list().getItems())
                    .filteredOn(e -> "AttemptStarted".equals(e.getReason()))
                    .extracting(e -> e.getNote())
                    .contains("attempt 2 started as Job grows-2 with " + grown));
  }

  @Test
  void aCapBelowWhatTheWorkloadNeedsStopsTheClimbAndDeadLettersTheTask() {
    create("capped", "300Mi");

    DeadLetterTask dead =
        awaitTask("capped", t -> t.getStatus().getPhase() == TaskPhase.DeadLettered);

    assertThat(dead.getStatus().getDeadLetter().getReason())
        .isEqualTo(DeadLetterReason.ResourceCapReached);
    assertThat(dead.getStatus().getAttempts()).as("of a budget of 5").isEqualTo(2);
    assertThat(memoryLimit(job("capped-1"))).isEqualTo(new Quantity("256Mi"));
    assertThat(memoryLimit(job("capped-2"))).isEqualTo(new Quantity("300Mi"));
    assertThat(dead.getStatus().getHistory())
        .extracting(AttemptRecord::getReason)
        .containsExactly("OOMKilled", "OOMKilled");
    assertThat(dead.getStatus().getHistory().get(1).getMutations())
        .isEqualTo("requests.memory/main=300Mi,limits.memory/main=300Mi");
    assertThat(dead.getStatus().getDeadLetter().getMessage()).contains("rule oom", "300Mi");
  }

  @Test
  void aFailureOnOneNodeSendsTheNextAttemptToAnother() {
    DeadLetterTask task =
        task("avoids")
            .podAnnotation("sim.deadletter.dev/fail-on-node", "kwok-node-0")
            .maxAttempts(3)
            .initialDelay("1s")
            .rules(Rules.onExitCodes(RetryAction.Retry, ExitCodeMatcher.Operator.In, 1))
            .build();
    // The template prefers the bad node (weakly), so attempt 1 lands there.
    task.getSpec()
        .getJobTemplate()
        .getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(1)
                .withNewPreference()
                .addNewMatchField()
                .withKey("metadata.name")
                .withOperator("In")
                .withValues("kwok-node-0")
                .endMatchField()
                .endPreference()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
    RetryRule badNode = task.getSpec().getRetryPolicy().getRules().get(0);
    badNode.setName("bad-node");
    NodeAvoidance avoid = new NodeAvoidance();
    avoid.setMode(NodeAvoidance.Mode.Required);
    RuleMutation mutate = new RuleMutation();
    mutate.setAvoidFailedNodes(avoid);
    badNode.setMutate(mutate);
    createKeepingMutate(task);

    DeadLetterTask done = awaitTask("avoids", t -> t.getStatus().getPhase() == TaskPhase.Succeeded);

    List<AttemptRecord> history = done.getStatus().getHistory();
    assertThat(done.getStatus().getAttempts()).isEqualTo(2);
    assertThat(history.get(0).getNode()).isEqualTo("kwok-node-0");
    assertThat(history.get(0).getRule()).isEqualTo("bad-node");
    assertThat(history.get(1).getMutations()).isEqualTo("avoidNodes.Required=kwok-node-0");
    assertThat(
            job("avoids-2")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms())
        .singleElement()
        .satisfies(
            term ->
                assertThat(term.getMatchFields())
                    .singleElement()
                    .satisfies(f -> assertThat(f.getValues()).containsExactly("kwok-node-0")));
  }

  /** 256Mi, needs 384Mi; a rule on OOMKilled grows memory by 1.5 up to {@code max}. */
  private static void create(String name, String max) {
    DeadLetterTask task =
        task(name)
            .podAnnotation("sim.deadletter.dev/needs-memory", "384Mi")
            .maxAttempts(5)
            .initialDelay("1s")
            .rules(Rules.onReasons(RetryAction.Retry, "OOMKilled"))
            .build();
    main(task)
        .setResources(
            new ResourceRequirementsBuilder()
                .addToRequests("memory", new Quantity("256Mi"))
                .addToLimits("memory", new Quantity("256Mi"))
                .build());
    RetryRule oom = task.getSpec().getRetryPolicy().getRules().get(0);
    oom.setName("oom");
    ResourceMutation resources = new ResourceMutation();
    resources.setMemory(new QuantityGrowth(1.5, max));
    RuleMutation mutate = new RuleMutation();
    mutate.setResources(resources);
    oom.setMutate(mutate);
    createKeepingMutate(task);
  }

  /**
   * The local cluster is shared: another checkout's test may have just applied an older CRD, which
   * prunes mutate from the stored task. Apply ours again right before the create, and create again
   * if the stored task lost it.
   */
  private static void createKeepingMutate(DeadLetterTask task) {
    for (int i = 0; i < 5; i++) {
      LocalCluster.installCrd(client);
      DeadLetterTask stored = client.resource(task).inNamespace(ns).create();
      if (stored.getSpec().getRetryPolicy().getRules().get(0).getMutate() != null) {
        return;
      }
      client.resource(stored).withTimeout(30, TimeUnit.SECONDS).delete();
    }
    throw new IllegalStateException(
        "the cluster's CRD keeps pruning spec.retryPolicy.rules[].mutate");
  }

  private static Container main(DeadLetterTask task) {
    return task.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Container main(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Quantity memoryLimit(Job job) {
    return main(job).getResources().getLimits().get("memory");
  }

  private static Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  private static DeadLetterTask awaitTask(String name, Predicate<DeadLetterTask> condition) {
    return namespace.awaitTask(name, condition);
  }
}
