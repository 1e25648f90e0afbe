package dev.deadletter.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/** Property tests on plain JUnit: seeded random tries, so every failure names how to replay it. */
public final class PropertyRuns {

  /** Fixed so that CI runs the same cases every time; {@code -Dproperty.seed=N} picks others. */
  public static final long DEFAULT_SEED = 20_261_201L;

  private PropertyRuns() {}

  /** The base seed of every run: the system property {@code property.seed}, else the default. */
  public static long seed() {
    return Long.getLong("property.seed", DEFAULT_SEED);
  }

  /** Checks {@code property} on {@code tries} cases drawn by {@code generator}. */
  public static <C> void forAll(int tries, Function<Random, C> generator, Consumer<C> property) {
    forAll(tries, generator, c -> List.of(), (c, list) -> c, property);
  }

  /**
   * As above, and a failing case is reported with its list (e.g. outcomes) {@link #shrink shrunk}:
   * {@code list} reads it from a case, {@code withList} makes the same case with another list.
   */
  public static <C, T> void forAll(
      int tries,
      Function<Random, C> generator,
      Function<C, List<T>> list,
      BiFunction<C, List<T>, C> withList,
      Consumer<C> property) {
    long seed = seed();
    Random trySeeds = new Random(seed); // one stream per try, all from the base seed
    for (int t = 1; t <= tries; t++) {
      C sample = generator.apply(new Random(trySeeds.nextLong()));
      Throwable failure = failure(property, sample);
      if (failure == null) {
        continue;
      }
      List<T> original = list.apply(sample);
      List<T> smallest =
          shrink(original, l -> failure(property, withList.apply(sample, l)) != null);
      C shrunk = withList.apply(sample, smallest);
      Throwable shrunkFailure = failure(property, shrunk);
      String message =
          String.format(
              "property failed on try %d of %d, seed %d (replay: -Dproperty.seed=%d)%n  case: %s",
              t, tries, seed, seed, sample);
      if (smallest.size() < original.size() && shrunkFailure != null) {
        message += String.format("%n  shrunk: %s", shrunk);
        failure = shrunkFailure;
      }
      throw new AssertionError(message + System.lineSeparator() + "  " + failure, failure);
    }
  }

  /** The failing list with single elements dropped while it still fails, till none can be. */
  public static <T> List<T> shrink(List<T> failing, Predicate<List<T>> fails) {
    List<T> smallest = List.copyOf(failing);
    boolean dropped = true;
    while (dropped) {
      dropped = false;
      for (int i = 0; i < smallest.size(); i++) {
        List<T> candidate = new ArrayList<>(smallest);
        candidate.remove(i);
        if (fails.test(candidate)) {
          smallest = List.copyOf(candidate);
          dropped = true;
          i--;
        }
      }
    }
    return smallest;
  }

  private static <C> Throwable failure(Consumer<C> property, C sample) {
    try {
      property.accept(sample);
      return null;
    } catch (AssertionError | RuntimeException e) {
      return e;
    }
  }

  // --- drawing inputs: one draw in eight is a bound of its range, where bugs like to live ---

  /** An int in [min, max]. */
  public static int intBetween(Random random, int min, int max) {
    return (int) longBetween(random, min, max);
  }

  /** A long in [min, max], max below Long.MAX_VALUE. */
  public static long longBetween(Random random, long min, long max) {
    int edge = random.nextInt(16);
    return edge == 0 ? min : edge == 1 ? max : random.nextLong(min, max + 1);
  }

  /** A double in [min, max]; for a range open at max, pass {@code Math.nextDown(max)}. */
  public static double doubleBetween(Random random, double min, double max) {
    int edge = random.nextInt(16);
    return edge == 0 ? min : edge == 1 ? max : random.nextDouble(min, max);
  }

  /** A list of {@code minSize} to {@code maxSize} elements drawn by {@code element}. */
  public static <T> List<T> listOf(
      Random random, int minSize, int maxSize, Function<Random, T> element) {
    int size = intBetween(random, minSize, maxSize);
    List<T> list = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      list.add(element.apply(random));
    }
    return List.copyOf(list);
  }
}
