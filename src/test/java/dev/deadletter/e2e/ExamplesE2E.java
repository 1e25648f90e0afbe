package dev.deadletter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.testing.LocalNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in examples/ is applied as a user would, and ends the way its comment promises ("#
 * Ends: PHASE after N attempts."), so the examples cannot rot. Their containers decide from
 * DEADLETTER_ATTEMPT on a real cluster; here the sim.deadletter.dev annotations do the same.
 */
class ExamplesE2E {

  private static final Path EXAMPLES = Path.of("examples");
  private static final Pattern PROMISE =
      Pattern.compile("^# Ends: (\\w+) after (\\d+) attempts?\\.$", Pattern.MULTILINE);

  @RegisterExtension
  static final LocalNamespace namespace = LocalNamespace.withOperator("e2e-examples");

  /** The task each example file created: all are applied at once, so their backoffs overlap. */
  static final Map<Path, String> applied = new HashMap<>();

  @BeforeAll
  static void applyEveryExample() throws IOException {
    for (Path example : examples().toList()) {
      try (InputStream yaml = Files.newInputStream(example)) {
        DeadLetterTask task = namespace.client().resources(DeadLetterTask.class).load(yaml).item();
        namespace.client().resource(task).inNamespace(namespace.name()).create();
        applied.put(example, task.getMetadata().getName());
      }
    }
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yaml).as("examples/").isNotEmpty();
      return yaml.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void endsAsItsCommentPromises(Path example) throws IOException {
    Matcher promise = PROMISE.matcher(Files.readString(example));
    assertThat(promise.find())
        .as("%s says how it ends in a line '# Ends: PHASE after N attempts.'", example)
        .isTrue();
    TaskPhase phase = TaskPhase.valueOf(promise.group(1));
    int attempts = Integer.parseInt(promise.group(2));

    String name = applied.get(example);
    DeadLetterTask ended =
        namespace.awaitTask(
            name,
            t ->
                t.getStatus().getPhase() == TaskPhase.Succeeded
                    || t.getStatus().getPhase() == TaskPhase.DeadLettered);

    assertThat(ended.getStatus().getPhase()).as(ended.getStatus().getMessage()).isEqualTo(phase);
    assertThat(ended.getStatus().getAttempts()).isEqualTo(attempts);
  }
}
