package dev.deadletter.budget;

import static dev.deadletter.budget.BudgetTasks.T0;
import static dev.deadletter.budget.BudgetTasks.budget;
import static dev.deadletter.budget.BudgetTasks.ended;
import static dev.deadletter.budget.BudgetTasks.running;
import static dev.deadletter.budget.BudgetTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counting a budget's window from the selected tasks' histories. */
class BudgetWindowTest {

  @Test
  void allowsTheLargerOfTheFloorAndThePercentOfFirstAttempts() {
    EffectiveBudget b = EffectiveBudget.of(budget("1m", 20, 10));
    assertThat(b.allowedRetries(0)).isEqualTo(10);
    assertThat(b.allowedRetries(49))
        .as("20% of 49, rounded down, is below the floor")
        .isEqualTo(10);
    assertThat(b.allowedRetries(300)).isEqualTo(60);
    assertThat(EffectiveBudget.of(budget("30s", 20, 10)).allowedRetries(0))
        .as("the floor is per minute, scaled to the window and rounded up")
        .isEqualTo(5);
    assertThat(EffectiveBudget.of(budget("90s", 0, 3)).allowedRetries(1000)).isEqualTo(5);
  }

  @Test
  void countsFirstAttemptsAndRetriesThatStartedInTheWindowAndRetriesStillRunning() {
    EffectiveBudget b = EffectiveBudget.of(budget("1m", 50, 0));
    Instant now = T0.plusSeconds(300);
    List<AttemptFact> facts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      DeadLetterTask t = task("t" + i);
      ended(t, 1, now.minusSeconds(50), now.minusSeconds(40), true, null);
      ended(t, 2, now.minusSeconds(30 + i), now.minusSeconds(10), true, null);
      facts.addAll(AttemptFact.of(t));
    }
    DeadLetterTask old = task("old");
    ended(old, 1, now.minusSeconds(200), now.minusSeconds(190), true, null);
    ended(old, 2, now.minusSeconds(66), now.minusSeconds(1), true, null);
    facts.addAll(AttemptFact.of(old));

    BudgetWindow w = BudgetWindow.count(b, facts, now);

    assertThat(w.firstAttempts()).isEqualTo(4);
    assertThat(w.retries())
        .as("the retry that started 66s ago is out: the minute, a second of precision, 5s of skew")
        .isEqualTo(4);
    assertThat(w.allowed()).isEqualTo(2);
    assertThat(w.spent()).isTrue();
    assertThat(w.running()).isZero();
    assertThat(w.nextToken())
        .as(
            "3 of 4 must leave for one more to fit in 2: the third oldest (31s ago) leaves in 29s,"
                + " plus the second a creationTimestamp may have lost and the clock skew")
        .contains(now.minusSeconds(31).plusSeconds(66).plusMillis(1));
  }

  @Test
  void aRunningRetryWhoseStartIsUnknownCountsInTheWindowButAFirstAttemptAddsNoAllowance() {
    EffectiveBudget b = EffectiveBudget.of(budget("1m", 100, 0));
    DeadLetterTask retrying = task("r");
    ended(retrying, 1, T0.minusSeconds(3600), T0.minusSeconds(3590), true, null);
    running(retrying, 2);
    DeadLetterTask first = task("f");
    running(first, 1);
    List<AttemptFact> facts = new ArrayList<>(AttemptFact.of(retrying));
    facts.addAll(AttemptFact.of(first));

    BudgetWindow w = BudgetWindow.count(b, facts, T0);

    assertThat(w.retries()).isEqualTo(1);
    assertThat(w.running()).isEqualTo(1);
    assertThat(w.firstAttempts()).isZero();
    assertThat(w.allowed()).isZero();
  }

  @Test
  void aRedrivesFirstAttemptIsNotARetry() {
    DeadLetterTask t = task("t");
    ended(t, 1, T0, T0.plusSeconds(1), true, null);
    ended(t, 2, T0.plusSeconds(2), T0.plusSeconds(3), true, null);
    t.getStatus().getRound().setNumber(2);
    t.getStatus().getRound().setFirstAttempt(3);
    ended(t, 3, T0.plusSeconds(4), T0.plusSeconds(5), true, null);

    assertThat(AttemptFact.of(t))
        .extracting(AttemptFact::retry)
        .containsExactly(false, true, false);
  }
}
