package dev.deadletter.jobs;

import static dev.deadletter.jobs.AttemptJobFactory.ENV_ATTEMPT;
import static dev.deadletter.jobs.AttemptJobFactory.ENV_MAX_ATTEMPTS;
import static dev.deadletter.jobs.AttemptJobFactory.ENV_MUTATIONS;
import static dev.deadletter.jobs.AttemptJobFactory.ENV_PREVIOUS_EXIT_CODE;
import static dev.deadletter.jobs.AttemptJobFactory.ENV_PREVIOUS_REASON;
import static dev.deadletter.jobs.AttemptJobFactory.ENV_TASK_UID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.AttemptMutations;
import dev.deadletter.policy.AttemptMutations.ResourceValue;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.Tasks;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AttemptJobFactoryTest {

  @Test
  void namesTheJobAfterTaskAndAttemptInTheTaskNamespace() {
    DeadLetterTask task = Tasks.task().jobTemplate(userTemplate()).build();

    Job job = build(task, 4, null, null);

    assertThat(job.getMetadata().getName()).isEqualTo("nightly-export-4");
    // the template asked for another namespace: attempts only ever run next to their task
    assertThat(job.getMetadata().getNamespace()).isEqualTo(Tasks.NAMESPACE);
  }

  @Test
  void jobIsControlledByItsTask() {
    Job job = build(Tasks.task().build(), 1, null, null);

    OwnerReference owner = job.getMetadata().getOwnerReferences().get(0);
    assertThat(job.getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(owner.getApiVersion()).isEqualTo("deadletter.dev/v1alpha1");
    assertThat(owner.getKind()).isEqualTo("DeadLetterTask");
    assertThat(owner.getName()).isEqualTo(Tasks.NAME);
    assertThat(owner.getUid()).isEqualTo(Tasks.UID);
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void labelsJobAndPodsWithTaskAndAttemptKeepingTemplateLabels() {
    Job job = build(Tasks.task().jobTemplate(userTemplate()).build(), 2, null, null);

    assertThat(job.getMetadata().getLabels())
        .contains(
            entry("team", "data"),
            entry(AttemptLabels.TASK, Tasks.NAME),
            entry(AttemptLabels.ATTEMPT, "2"));
    assertThat(job.getMetadata().getAnnotations()).containsEntry("owner", "data-team@example.com");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .contains(
            entry("app", "export"),
            entry(AttemptLabels.TASK, Tasks.NAME),
            entry(AttemptLabels.ATTEMPT, "2"));
  }

  @Test
  void backoffLimitDefaultsToZeroButAUsersValueIsKept() {
    Job defaulted = build(Tasks.task().build(), 1, null, null);
    Job explicit = build(Tasks.task().jobTemplate(userTemplate()).build(), 1, null, null);

    assertThat(defaulted.getSpec().getBackoffLimit()).isZero();
    assertThat(explicit.getSpec().getBackoffLimit()).isEqualTo(2);
  }

  @Test
  void attemptTimeoutBecomesTheActiveDeadlineUnlessTheTemplateSetsOne() {
    Job fromPolicy = build(Tasks.task().attemptTimeout("10m").build(), 1, null, null);
    JobTemplateSpec withDeadline =
        new JobTemplateSpecBuilder(Tasks.jobTemplate())
            .editSpec()
            .withActiveDeadlineSeconds(30L)
            .endSpec()
            .build();
    Job fromTemplate =
        build(Tasks.task().attemptTimeout("10m").jobTemplate(withDeadline).build(), 1, null, null);
    Job none = build(Tasks.task().build(), 1, null, null);

    assertThat(fromPolicy.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(fromTemplate.getSpec().getActiveDeadlineSeconds()).isEqualTo(30L);
    assertThat(none.getSpec().getActiveDeadlineSeconds()).isNull();
  }

  @Test
  void aTtlStoredBeforeAdmissionRefusedItDoesNotReachTheJob() {
    // A finished attempt deleted by the TTL controller before its outcome is recorded would be
    // seen as JobDeleted and run again, even after it succeeded.
    JobTemplateSpec withTtl =
        new JobTemplateSpecBuilder(Tasks.jobTemplate())
            .editSpec()
            .withTtlSecondsAfterFinished(60)
            .endSpec()
            .build();

    Job job = build(Tasks.task().jobTemplate(withTtl).build(), 1, null, null);

    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isNull();
  }

  @Test
  void theLongestAttemptTimeoutBecomesTheLongestDeadline() {
    Job job = build(Tasks.task().attemptTimeout("8760h").build(), 1, null, null);

    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(365L * 24 * 3600);
  }

  @Test
  void everyContainerLearnsAboutTheAttemptAndOurVariablesWin() {
    DeadLetterTask task = Tasks.task().maxAttempts(5).jobTemplate(userTemplate()).build();

    Job job = build(task, 3, 137, "OOMKilled");

    var pod = job.getSpec().getTemplate().getSpec();
    List<Container> all =
        Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList();
    assertThat(all).extracting(Container::getName).containsExactly("migrate", "main", "sidecar");
    for (Container c : all) {
      assertThat(env(c))
          .as("env of %s", c.getName())
          .contains(
              entry(ENV_ATTEMPT, "3"),
              entry(ENV_MAX_ATTEMPTS, "5"),
              entry(ENV_PREVIOUS_EXIT_CODE, "137"),
              entry(ENV_PREVIOUS_REASON, "OOMKilled"),
              entry(ENV_TASK_UID, Tasks.UID));
      assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
    }
    Container main = pod.getContainers().get(0);
    assertThat(env(main)).containsEntry("LOG_LEVEL", "debug");
  }

  @Test
  void firstAttemptHasNoPreviousFailure() {
    Job job = build(Tasks.task().build(), 1, null, null);

    Container main = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(main))
        .contains(entry(ENV_PREVIOUS_EXIT_CODE, ""), entry(ENV_PREVIOUS_REASON, ""));
  }

  @Test
  void buildingLeavesTheTaskUntouched() {
    // the task comes from the informer cache: mutating it would corrupt the cache
    DeadLetterTask task = Tasks.task().attemptTimeout("10m").jobTemplate(userTemplate()).build();
    JobTemplateSpec templateBefore = Serialization.clone(task.getSpec().getJobTemplate());
    String taskBefore = Serialization.asJson(task);

    build(task, 3, 1, "Error");

    assertThat(task.getSpec().getJobTemplate()).isEqualTo(templateBefore);
    assertThat(Serialization.asJson(task)).isEqualTo(taskBefore);
  }

  // --- helpers ---

  @Test
  void appliesTheMutationsOverTheTemplateAndSaysWhatChanged() {
    JobTemplateSpec template = userTemplate();
    template.getSpec().setActiveDeadlineSeconds(60L);
    Container main = template.getSpec().getTemplate().getSpec().getContainers().get(0);
    main.setResources(
        new ResourceRequirementsBuilder()
            .addToRequests("memory", new Quantity("128Mi"))
            .addToRequests("cpu", new Quantity("100m"))
            .addToLimits("memory", new Quantity("256Mi"))
            .build());
    DeadLetterTask task = Tasks.task().jobTemplate(template).build();
    AttemptMutations m =
        new AttemptMutations(
            List.of(
                new ResourceValue(main.getName(), "requests", "memory", "192Mi"),
                new ResourceValue(main.getName(), "limits", "memory", "384Mi")),
            90L,
            List.of(),
            List.of());

    Job job =
        AttemptJobFactory.build(task, EffectivePolicy.of(task.getSpec()), 2, 137, "OOMKilled", m);

    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getResources().getRequests())
        .containsEntry("memory", new Quantity("192Mi"))
        .containsEntry("cpu", new Quantity("100m"));
    assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("384Mi"));
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(90L);
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry("owner", "data-team@example.com")
        .containsEntry(
            AttemptMutations.ANNOTATION,
            "requests.memory/main=192Mi,limits.memory/main=384Mi,activeDeadlineSeconds=90");
    assertThat(env(c)).containsEntry(ENV_MUTATIONS, m.summary());
    // the task in the informer cache is untouched
    assertThat(main.getResources().getLimits()).containsEntry("memory", new Quantity("256Mi"));
  }

  @Test
  void withoutMutationsTheWorkloadSeesAnEmptyListAndTheJobNoAnnotation() {
    Job job = build(Tasks.task().build(), 1, null, null);

    assertThat(job.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(env(job.getSpec().getTemplate().getSpec().getContainers().get(0)))
        .containsEntry(ENV_MUTATIONS, "");
  }

  @Test
  void requiredAvoidanceJoinsEveryRequiredTermOfTheTemplateAndPreferredAddsATerm() {
    JobTemplateSpec template = Tasks.jobTemplate();
    NodeSelectorRequirement zone =
        new NodeSelectorRequirement("topology.kubernetes.io/zone", "In", List.of("a"));
    NodeSelectorRequirement ssd = new NodeSelectorRequirement("disk", "In", List.of("ssd"));
    PreferredSchedulingTerm own =
        new PreferredSchedulingTerm(new NodeSelectorTerm(List.of(ssd), null), 10);
    template
        .getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .withMatchExpressions(zone)
                .endNodeSelectorTerm()
                .addNewNodeSelectorTerm()
                .withMatchExpressions(ssd)
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .withPreferredDuringSchedulingIgnoredDuringExecution(own)
                .endNodeAffinity()
                .build());
    DeadLetterTask task = Tasks.task().jobTemplate(template).build();
    AttemptMutations m =
        new AttemptMutations(List.of(), null, List.of("node-a"), List.of("node-b", "node-c"));

    Job job = AttemptJobFactory.build(task, EffectivePolicy.of(task.getSpec()), 3, 1, "Error", m);

    NodeAffinity affinity = job.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity();
    NodeSelectorRequirement notA =
        new NodeSelectorRequirement("metadata.name", "NotIn", List.of("node-a"));
    assertThat(affinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
        .extracting(NodeSelectorTerm::getMatchFields)
        .containsExactly(List.of(notA), List.of(notA));
    assertThat(affinity.getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(2);
    assertThat(affinity.getPreferredDuringSchedulingIgnoredDuringExecution().get(0).getWeight())
        .isEqualTo(10);
    assertThat(affinity.getPreferredDuringSchedulingIgnoredDuringExecution().get(1))
        .isEqualTo(
            new PreferredSchedulingTerm(
                new NodeSelectorTerm(
                    null,
                    List.of(
                        new NodeSelectorRequirement(
                            "metadata.name", "NotIn", List.of("node-b", "node-c")))),
                100));
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry(
            AttemptMutations.ANNOTATION,
            "avoidNodes.Required=node-a,avoidNodes.Preferred=node-b+node-c");
  }

  @Test
  void requiredAvoidanceWithoutATemplateAffinityIsItsOnlyTerm() {
    DeadLetterTask task = Tasks.task().build();
    AttemptMutations m = new AttemptMutations(List.of(), null, List.of("node-a"), List.of());

    Job job = AttemptJobFactory.build(task, EffectivePolicy.of(task.getSpec()), 2, 1, "Error", m);

    assertThat(
            job.getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms())
        .containsExactly(
            new NodeSelectorTerm(
                null,
                List.of(new NodeSelectorRequirement("metadata.name", "NotIn", List.of("node-a")))));
  }

  private static Job build(
      DeadLetterTask task, int attempt, Integer previousExitCode, String previousReason) {
    return AttemptJobFactory.build(
        task, EffectivePolicy.of(task.getSpec()), attempt, previousExitCode, previousReason);
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> String.valueOf(e.getValue())));
  }

  /**
   * A template with what users write: labels, a foreign namespace, an init container, clashing env.
   */
  private static JobTemplateSpec userTemplate() {
    return new JobTemplateSpecBuilder()
        .withNewMetadata()
        .withNamespace("somewhere-else")
        .addToLabels("team", "data")
        .addToAnnotations("owner", "data-team@example.com")
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(2)
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "export")
        .endMetadata()
        .withNewSpec()
        .addNewInitContainer()
        .withName("migrate")
        .withImage("registry.example/migrate:2")
        .endInitContainer()
        .addNewContainer()
        .withName("main")
        .withImage("registry.example/export:1.4")
        .addNewEnv()
        .withName("LOG_LEVEL")
        .withValue("debug")
        .endEnv()
        .addNewEnv()
        .withName(ENV_ATTEMPT)
        .withValue("not yours")
        .endEnv()
        .endContainer()
        .addNewContainer()
        .withName("sidecar")
        .withImage("registry.example/proxy:1")
        .endContainer()
        .withRestartPolicy("Never")
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
