package dev.deadletter.testing;

import static dev.deadletter.testing.PropertyRuns.forAll;
import static dev.deadletter.testing.PropertyRuns.intBetween;
import static dev.deadletter.testing.PropertyRuns.listOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The property harness: it runs every try, reports a failure's seed and try, and shrinks lists. */
class PropertyRunsTest {

  private static final Function<Random, List<Integer>> DIGIT_LISTS =
      r -> listOf(r, 0, 30, d -> intBetween(d, 0, 9));

  @Test
  void passingPropertyRunsEveryTryOnDrawnCases() {
    List<Integer> seen = new ArrayList<>();

    forAll(500, r -> intBetween(r, 1, 6), seen::add);

    assertThat(seen).hasSize(500).allMatch(n -> n >= 1 && n <= 6);
    assertThat(seen).contains(1, 2, 3, 4, 5, 6);
  }

  @Test
  void sameSeedDrawsTheSameCases() {
    List<Integer> first = new ArrayList<>();
    List<Integer> second = new ArrayList<>();

    forAll(50, r -> r.nextInt(), first::add);
    forAll(50, r -> r.nextInt(), second::add);

    assertThat(first).isEqualTo(second).doesNotHaveDuplicates();
  }

  @Test
  void failureNamesTheSeedAndTheTryAndKeepsTheCause() {
    AssertionError error =
        catchThrowableOfType(
            AssertionError.class,
            () -> forAll(200, r -> intBetween(r, 0, 99), n -> assertThat(n).isLessThan(90)));

    long seed = PropertyRuns.seed();
    assertThat(error)
        .hasMessageContaining("seed " + seed)
        .hasMessageContaining("-Dproperty.seed=" + seed)
        .hasMessageMatching("(?s)property failed on try \\d+ of 200, .*case: 9\\d.*");
    assertThat(error.getCause()).isInstanceOf(AssertionError.class);
    // replaying with the same seed fails on the same try with the same case
    AssertionError replayed =
        catchThrowableOfType(
            AssertionError.class,
            () -> forAll(200, r -> intBetween(r, 0, 99), n -> assertThat(n).isLessThan(90)));
    assertThat(replayed).hasMessage(error.getMessage());
  }

  @Test
  void seedPropertyReplaysAnotherRun() {
    String before = System.getProperty("property.seed");
    System.setProperty("property.seed", "42");
    try {
      AssertionError error =
          catchThrowableOfType(
              AssertionError.class,
              () ->
                  forAll(
                      10,
                      Random::nextInt,
                      n -> {
                        throw new AssertionError("fails on purpose");
                      }));

      assertThat(error).hasMessageContaining("try 1 of 10, seed 42 (replay: -Dproperty.seed=42)");
    } finally {
      if (before == null) {
        System.clearProperty("property.seed");
      } else {
        System.setProperty("property.seed", before);
      }
    }
  }

  @Test
  void exceptionsFailThePropertyToo() {
    AssertionError error =
        catchThrowableOfType(
            AssertionError.class,
            () ->
                forAll(
                    10,
                    r -> "x",
                    s -> {
                      throw new IllegalStateException("boom on " + s);
                    }));

    assertThat(error).hasMessageContaining("try 1 of 10").hasMessageContaining("boom on x");
    assertThat(error.getCause()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void failingListIsShrunkToTheOneElementThatFailsIt() {
    AssertionError error =
        catchThrowableOfType(
            AssertionError.class,
            () ->
                forAll(
                    100,
                    DIGIT_LISTS,
                    list -> list,
                    (list, smaller) -> smaller,
                    list -> assertThat(list).doesNotContain(7)));

    assertThat(error).hasMessageContaining("shrunk: [7]");
  }

  @Test
  void shrinkDropsElementsUntilNoneCanBeDropped() {
    List<Integer> failing = List.of(5, 1, 7, 3, 9, 2, 8);

    // fails while it holds two elements above 4
    List<Integer> smallest =
        PropertyRuns.shrink(failing, l -> l.stream().filter(n -> n > 4).count() >= 2);

    assertThat(smallest).containsExactly(9, 8);
  }

  @Test
  void shrinkLeavesAMinimalListAlone() {
    assertThat(PropertyRuns.shrink(List.of(3, 4), l -> l.containsAll(List.of(3, 4))))
        .containsExactly(3, 4);
    assertThat(PropertyRuns.shrink(List.of(), l -> true)).isEmpty();
  }
}
