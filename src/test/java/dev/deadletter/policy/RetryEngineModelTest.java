package dev.deadletter.policy;

import static dev.deadletter.testing.PropertyRuns.forAll;

import dev.deadletter.testing.PropertyRuns;
import org.junit.jupiter.api.Test;

/**
 * A model test of the retry engine: random histories of attempt outcomes, spec edits, suspends,
 * redrives, refused creates, lost status writes, clock jumps, control-plane skew and a lagging Job
 * cache, driven through the pure engine the way the reconciler drives it ({@link TaskRun}), with
 * {@link EngineInvariants} checked after every pass. A failing history is shrunk to the steps it
 * needs, and its seed printed.
 */
class RetryEngineModelTest {

  /** {@code -Dmodel.histories=N} runs more (or fewer). */
  private static final int HISTORIES = Integer.getInteger("model.histories", 2_000);

  private static final int MAX_STEPS = 60;

  @Test
  void everyHistoryKeepsTheEngineInvariants() {
    ModelStats stats = new ModelStats();
    forAll(
        HISTORIES,
        r -> ModelHistory.random(r, MAX_STEPS),
        ModelHistory::steps,
        ModelHistory::withSteps,
        history -> EngineModel.replay(history, stats));
    // The failing tries and the shrinker's replays also count: only a passing run prints.
    System.out.println(stats + " (seed " + PropertyRuns.seed() + ")");
  }
}
