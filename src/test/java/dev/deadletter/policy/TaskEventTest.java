package dev.deadletter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskEventTest {

  @Test
  void everyReasonHasAVerbAsItsAction() {
    assertThat(TaskEvent.ACTIONS)
        .containsEntry(TaskEvent.ATTEMPT_STARTED, "CreateJob")
        .containsEntry(TaskEvent.DEAD_LETTERED, "DeadLetter")
        .allSatisfy(
            (reason, action) ->
                assertThat(action)
                    .as("the action of %s: CamelCase, at most 128 characters", reason)
                    .matches("[A-Z][A-Za-z]{1,127}")
                    .isNotEqualTo(reason));
  }

  @Test
  void everyReasonConstantHasAnAction() {
    List<String> reasons =
        Arrays.stream(TaskEvent.class.getFields())
            .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
            .map(TaskEventTest::value)
            .toList();
    assertThat(reasons).isNotEmpty();
    assertThat(TaskEvent.ACTIONS.keySet()).containsExactlyInAnyOrderElementsOf(reasons);
  }

  private static String value(Field f) {
    try {
      return (String) f.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aReasonWithoutAnActionIsAProgrammingError() {
    assertThatThrownBy(() -> new TaskEvent(false, "SomethingNew", "message"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SomethingNew");
  }
}
