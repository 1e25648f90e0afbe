package dev.deadletter.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Tasks;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cached object goes to the reconciler uncopied, and the tests' check notices a change. */
class CacheMutationCheckTest {

  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  final List<String> reported = new ArrayList<>();
  Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  final CacheMutationCheck check =
      new CacheMutationCheck(
          new KubernetesSerialization(), () -> clock, Duration.ofSeconds(10), reported::add);

  @Test
  void theReconcilerGetsTheCachedObjectItself() {
    DeadLetterTask cached = Tasks.task().name("export").build();

    assertThat(CacheMutationCheck.NO_COPY.clone(cached)).isSameAs(cached);
    assertThat(check.clone(cached)).isSameAs(cached);
  }

  @Test
  void aChangeToAHandedOutObjectIsReportedWithItsName() {
    DeadLetterTask cached = Tasks.task().name("export").namespace("team-a").build();
    DeadLetterTask other = Tasks.task().name("import").namespace("team-a").build();
    check.clone(cached);
    check.clone(other);

    check.verify();
    assertThat(reported).as("nothing changed yet").isEmpty();

    cached.getMetadata().setGeneration(99L);
    check.verify();

    assertThat(reported)
        .containsExactly("a reconciler changed the cached DeadLetterTask team-a/export");
  }

  @Test
  void anObjectIsWatchedForAWhileThenForgotten() {
    DeadLetterTask cached = Tasks.task().name("export").build();
    check.clone(cached);

    clock = Clock.fixed(T0.plusSeconds(11), ZoneOffset.UTC);
    check.verify();
    cached.setStatus(new dev.deadletter.api.v1alpha1.DeadLetterTaskStatus());
    cached.getStatus().setPhase(TaskPhase.Running);
    check.verify();

    assertThat(reported).as("a later change is not this check's business").isEmpty();
  }
}
