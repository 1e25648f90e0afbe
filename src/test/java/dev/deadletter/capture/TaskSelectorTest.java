package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** TASK_LABEL_SELECTOR as the API server reads it, applied to the labels of a task to be. */
class TaskSelectorTest {

  static final Map<String, String> SHARD_A = Map.of("app", "export", "shard", "a", "tier", "3");
  static final Map<String, String> UNSHARDED = Map.of("app", "export");

  @Test
  void anEmptySelectorMatchesEveryTask() {
    assertThat(TaskSelector.parse("").matches(UNSHARDED)).isTrue();
    assertThat(TaskSelector.parse("  ").matches(Map.of())).isTrue();
  }

  @Test
  void equalityBasedRequirements() {
    assertThat(TaskSelector.parse("shard=a").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard==a").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard=b").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("shard=a").matches(UNSHARDED)).isFalse();
    assertThat(TaskSelector.parse("shard!=b").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard!=a").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("shard!=a").matches(UNSHARDED))
        .as("!= also matches a task without the label, as on the API server")
        .isTrue();
  }

  @Test
  void setBasedRequirements() {
    assertThat(TaskSelector.parse("shard in (a, b)").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard in (b,c)").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("shard in (a)").matches(UNSHARDED)).isFalse();
    assertThat(TaskSelector.parse("shard notin (b)").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard notin (a,b)").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("shard notin (a)").matches(UNSHARDED)).isTrue();
    assertThat(TaskSelector.parse("shard").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("shard").matches(UNSHARDED)).isFalse();
    assertThat(TaskSelector.parse("!shard").matches(UNSHARDED)).isTrue();
    assertThat(TaskSelector.parse("! shard").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("tier>2").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("tier < 2").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("app>2").matches(SHARD_A)).as("not a number").isFalse();
  }

  @Test
  void everyRequirementMustHold() {
    assertThat(TaskSelector.parse("app=export, shard in (a,b), !legacy").matches(SHARD_A)).isTrue();
    assertThat(TaskSelector.parse("app=export,shard in (b)").matches(SHARD_A)).isFalse();
    assertThat(TaskSelector.parse("deadletter.dev/captured-from=export-1").matches(SHARD_A))
        .isFalse();
  }

  @Test
  void aMalformedSelectorIsRejectedWithItsText() {
    for (String bad :
        new String[] {
          "shard in a", "shard in (a", "=a", "shard=(a)", "tier>x", "a,,b", "shard=a b"
        }) {
      assertThatThrownBy(() -> TaskSelector.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
