package dev.deadletter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.capture.CapturedTask;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A captured Job's template must make valid Jobs again, whatever the Job controller had added to
 * the original: every combination of its generated labels, on a real API server.
 */
@EnableKubeAPIServer(kubeAPIVersion = "1.37.2")
class CapturedTemplateIT {

  static final List<String> GENERATED =
      List.of(
          "controller-uid",
          "batch.kubernetes.io/controller-uid",
          "job-name",
          "batch.kubernetes.io/job-name");

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.of("it-captured").on(() -> client);

  static Stream<Integer> labelCombinations() {
    return IntStream.range(0, 1 << GENERATED.size()).boxed();
  }

  @ParameterizedTest(name = "generated labels {0}")
  @MethodSource("labelCombinations")
  void capturedTemplateRecreatesAValidJob(int combination) {
    String name = "orig-" + combination;
    Map<String, String> labels = new HashMap<>(Map.of("app", "export"));
    for (int i = 0; i < GENERATED.size(); i++) {
      if ((combination & (1 << i)) != 0) {
        labels.put(
            GENERATED.get(i),
            GENERATED.get(i).endsWith("uid") ? "3f6a1c9e-0b9e-4a7a-9e3e-5d1c0f2b7a11" : name);
      }
    }
    Job original =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace.name())
            .withUid("uid-" + combination)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withManualSelector(!labels.containsKey("batch.kubernetes.io/controller-uid"))
            .withNewSelector()
            .withMatchLabels(labels)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("main")
            .withImage("busybox")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();

    DeadLetterTask task =
        client
            .resource(
                CapturedTask.build(
                    original,
                    new FailureDetails(Map.of(), List.of("Error"), List.of(), 1, null, null),
                    Instant.parse("2026-11-28T12:00:00Z"),
                    null))
            .create();
    Job attempt = AttemptJobFactory.build(task, EffectivePolicy.of(task.getSpec()), 1, 1, "Error");

    Job created = client.resource(attempt).create();

    assertThat(created.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app", "export")
        .containsEntry("deadletter.dev/attempt", "1")
        .containsEntry("batch.kubernetes.io/job-name", attempt.getMetadata().getName());
  }
}
