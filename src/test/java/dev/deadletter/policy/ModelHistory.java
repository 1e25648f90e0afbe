package dev.deadletter.policy;

import static dev.deadletter.testing.PropertyRuns.intBetween;
import static dev.deadletter.testing.PropertyRuns.listOf;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One random history for the engine model: a starting spec and the steps that follow. A step is a
 * change of the world (an attempt ends, the clock moves, the spec is edited, ...) and then,
 * usually, a reconcile pass; its argument is read only when it is applied, so a history with steps
 * dropped (by the shrinker) still replays.
 */
record ModelHistory(ModelSpec.Start start, List<ModelHistory.Step> steps) {

  /** What a step changes before its pass. */
  enum Kind {
    SUCCEED,
    FAIL_EXIT,
    FAIL_REASON,
    DELETE_JOB,
    WAKE,
    TICK,
    JUMP,
    SKEW,
    MAX_ATTEMPTS,
    BACKOFF,
    MAX_RETRY_DURATION,
    ADD_RULE,
    REMOVE_RULE,
    MOVE_RULE,
    RULE_BUDGET,
    SUSPEND,
    RESUME,
    REDRIVE,
    OLD_REDRIVE,
    REFUSE,
    ACCEPT,
    NOTHING
  }

  /** The pass after the change: as usual, with a lagging Job cache, with its status write lost. */
  enum Pass {
    NORMAL,
    LAGGED,
    LOST_WRITE,
    NONE
  }

  /** How often each kind is drawn, in the order of {@link Kind}; they add up to 100. */
  private static final int[] WEIGHTS = {
    2, 18, 8, 2, 24, 3, 2, 2, 4, 2, 3, 3, 2, 2, 2, 1, 4, 8, 2, 1, 4, 1
  };

  /** Exit codes a failure may have; 137 comes with OOMKilled. */
  static final int[] EXIT_CODES = {1, 1, 2, 3, 3, 4, 5, 6, 7, 137};

  static final String[] REASONS = {"Evicted", "Evicted", "DeadlineExceeded", "OOMKilled"};

  record Step(Kind kind, int arg, Pass pass) {

    static Step random(Random r) {
      int draw = r.nextInt(100);
      int k = 0;
      while (draw >= WEIGHTS[k]) {
        draw -= WEIGHTS[k++];
      }
      int p = r.nextInt(100);
      Pass pass =
          p < 72 ? Pass.NORMAL : p < 82 ? Pass.LAGGED : p < 90 ? Pass.LOST_WRITE : Pass.NONE;
      return new Step(Kind.values()[k], r.nextInt(1 << 20), pass);
    }

    /** An attempt's run time before it ends, from the argument. */
    int runSeconds() {
      return 1 + (arg >> 4) % ((arg >> 14) % 4 == 0 ? 900 : 60);
    }

    @Override
    public String toString() {
      String what =
          switch (kind) {
            case FAIL_EXIT ->
                "exit " + EXIT_CODES[arg % EXIT_CODES.length] + " after " + runSeconds() + "s";
            case FAIL_REASON -> REASONS[arg % REASONS.length] + " after " + runSeconds() + "s";
            case SUCCEED, DELETE_JOB -> "after " + runSeconds() + "s";
            case TICK -> "+" + (1 + arg % 120) + "s";
            case JUMP -> "+" + (10 + arg % 360) + "m";
            case MAX_ATTEMPTS -> "=" + maxAttempts();
            case BACKOFF -> "#" + arg % ModelSpec.BACKOFFS;
            case MAX_RETRY_DURATION ->
                "=" + ModelSpec.MAX_RETRY_DURATIONS.get(arg % ModelSpec.MAX_RETRY_DURATIONS.size());
            case SKEW -> "=" + skewSeconds() + "s";
            case ADD_RULE -> "#" + arg % ModelSpec.RULES.size();
            case REMOVE_RULE, MOVE_RULE, RULE_BUDGET -> "(" + arg + ")";
            default -> "";
          };
      return kind + (what.isEmpty() ? "" : " " + what) + (pass == Pass.NORMAL ? "" : " /" + pass);
    }

    Integer maxAttempts() {
      int m = arg % 7;
      return m == 0 ? null : m;
    }

    /** The control plane's clock, ahead of the operator's (positive) or behind. */
    int skewSeconds() {
      return new int[] {-5, 0, 3, 20}[arg % 4];
    }
  }

  static ModelHistory random(Random r, int maxSteps) {
    List<Integer> rules = new ArrayList<>();
    int count = intBetween(r, 0, 4);
    while (rules.size() < count) {
      int rule = r.nextInt(ModelSpec.RULES.size());
      if (!rules.contains(rule)) {
        rules.add(rule);
      }
    }
    int maxAttempts = intBetween(r, 0, 6);
    ModelSpec.Start start =
        new ModelSpec.Start(
            maxAttempts == 0 ? null : maxAttempts,
            r.nextInt(ModelSpec.BACKOFFS),
            r.nextBoolean() ? 0 : r.nextInt(ModelSpec.MAX_RETRY_DURATIONS.size()),
            List.copyOf(rules),
            r.nextInt(10) == 0);
    return new ModelHistory(start, listOf(r, 1, maxSteps, Step::random));
  }

  ModelHistory withSteps(List<Step> other) {
    return new ModelHistory(start, other);
  }

  @Override
  public String toString() {
    return "start {" + start + "}, " + steps.size() + " steps: " + steps;
  }
}
