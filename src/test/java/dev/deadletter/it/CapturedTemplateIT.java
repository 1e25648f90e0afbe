package dev.deadletter.it;

import static dev.deadletter.testing.Attempts.GENERATED_LABELS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.capture.CapturedTask;
import dev.deadletter.jobs.AttemptJobFactory;
import dev.deadletter.policy.EffectivePolicy;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.testing.Attempts;
import dev.deadletter.testing.LocalNamespace;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
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

  static KubernetesClient client;

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.of("it-captured").on(() -> client);

  static Stream<Integer> labelCombinations() {
    return IntStream.range(0, 1 << GENERATED_LABELS.size()).boxed();
  }

  @ParameterizedTest(name = "generated labels {0}")
  @MethodSource("labelCombinations")
  void capturedTemplateRecreatesAValidJob(int combination) {
    List<String> generated =
        IntStream.range(0, GENERATED_LABELS.size())
            .filter(i -> (combination & (1 << i)) != 0)
            .mapToObj(GENERATED_LABELS::get)
            .toList();
    Job original =
        Attempts.job("orig-" + combination)
            .namespace(namespace.name())
            .uid("uid-" + combination)
            .label("app", "export")
            .podLabel("app", "export")
            .generatedLabels(generated)
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
