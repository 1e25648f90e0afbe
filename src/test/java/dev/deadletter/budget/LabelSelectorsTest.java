package dev.deadletter.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A budget's selector matches labels as the API server matches them. */
class LabelSelectorsTest {

  private static final Map<String, String> DB = Map.of("dependency", "db", "team", "a");

  private static LabelSelector expression(String key, String operator, String... values) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey(key)
        .withOperator(operator)
        .withValues(List.of(values))
        .endMatchExpression()
        .build();
  }

  @Test
  void nullOrEmptySelectsEverything() {
    assertThat(LabelSelectors.matches(null, DB)).isTrue();
    assertThat(LabelSelectors.matches(new LabelSelector(), null)).isTrue();
  }

  @Test
  void matchLabelsNeedEveryLabel() {
    LabelSelector s =
        new LabelSelectorBuilder()
            .addToMatchLabels("dependency", "db")
            .addToMatchLabels("team", "a")
            .build();
    assertThat(LabelSelectors.matches(s, DB)).isTrue();
    assertThat(LabelSelectors.matches(s, Map.of("dependency", "db"))).isFalse();
    assertThat(LabelSelectors.matches(s, null)).isFalse();
  }

  @Test
  void expressionsAndLabelsMustAllHold() {
    assertThat(LabelSelectors.matches(expression("dependency", "In", "db", "queue"), DB)).isTrue();
    assertThat(LabelSelectors.matches(expression("dependency", "In", "queue"), DB)).isFalse();
    assertThat(LabelSelectors.matches(expression("dependency", "NotIn", "queue"), DB)).isTrue();
    assertThat(LabelSelectors.matches(expression("missing", "NotIn", "x"), DB)).isTrue();
    assertThat(LabelSelectors.matches(expression("dependency", "NotIn", "db"), DB)).isFalse();
    assertThat(LabelSelectors.matches(expression("team", "Exists"), DB)).isTrue();
    assertThat(LabelSelectors.matches(expression("team", "DoesNotExist"), DB)).isFalse();
    assertThat(LabelSelectors.matches(expression("team", "Unknown"), DB)).isFalse();
    LabelSelector both = expression("team", "Exists");
    both.setMatchLabels(Map.of("dependency", "queue"));
    assertThat(LabelSelectors.matches(both, DB)).isFalse();
  }
}
