package dev.deadletter.budget;

import static dev.deadletter.budget.BudgetTasks.NS;
import static dev.deadletter.budget.BudgetTasks.T0;
import static dev.deadletter.budget.BudgetTasks.budget;
import static dev.deadletter.budget.BudgetTasks.ended;
import static dev.deadletter.budget.BudgetTasks.job;
import static dev.deadletter.budget.BudgetTasks.running;
import static dev.deadletter.budget.BudgetTasks.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.policy.BudgetHold;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The ledger remembers parsed facts per task version: never staler than the cache, never more. */
class TaskFactsMemoTest {

  private static final Instant NOW = T0.plusSeconds(30);

  private final Map<String, DeadLetterTask> tasks = new ConcurrentHashMap<>();
  private final RetryBudgetLedger ledger = new RetryBudgetLedger();
  private final RetryBudget budget = budget("1m", 0, 1); // one retry a minute

  TaskFactsMemoTest() {
    ledger.readTasksFrom(
        ns -> tasks.values().stream().filter(t -> t.getMetadata().getNamespace().equals(ns)));
  }

  private DeadLetterTask failedOnce(String name) {
    DeadLetterTask t = task(name);
    ended(t, 1, NOW.minusSeconds(20), NOW.minusSeconds(10), true, "db-down");
    tasks.put(name, t);
    return t;
  }

  @Test
  void aTaskWhoseStatusChangedIsCountedWithItsNewFactsAtTheNextAdmit() {
    DeadLetterTask a = failedOnce("a");
    DeadLetterTask b = failedOnce("b");
    assertThat(ledger.report(budget, NOW).window().retries()).isZero(); // a's facts remembered

    running(a, 2); // another process (before a restart) started a's retry: no grant here
    Optional<BudgetHold> hold = ledger.admit(b, 2, job(b, 2), List.of(budget), NOW);

    assertThat(hold).as("a's running retry spent the minute's token").isPresent();
    assertThat(ledger.report(budget, NOW).window().running()).isEqualTo(1);

    ended(a, 2, NOW.minusSeconds(1), NOW, false, null);
    assertThat(ledger.report(budget, NOW).window().running()).isZero();
  }

  @Test
  void aTaskRelabelledOutOfTheBudgetNoLongerCounts() {
    DeadLetterTask a = failedOnce("a");
    DeadLetterTask b = failedOnce("b");
    running(a, 2);
    assertThat(ledger.report(budget, NOW).window().retries()).isEqualTo(1);

    a.getMetadata().setLabels(Map.of("dependency", "registry"));
    BudgetTasks.written(a);

    assertThat(ledger.admit(b, 2, job(b, 2), List.of(budget), NOW)).isEmpty();
  }

  @Test
  void aTaskDeletedAndCreatedAgainUnderItsNameIsReadAgain() {
    DeadLetterTask a = failedOnce("a");
    running(a, 2);
    assertThat(ledger.report(budget, NOW).window().running()).isEqualTo(1);

    DeadLetterTask again = failedOnce("a"); // same name and resourceVersion, another uid
    again.getMetadata().setUid("uid-a-2");
    again.getMetadata().setResourceVersion(a.getMetadata().getResourceVersion());

    assertThat(ledger.report(budget, NOW).window().running()).isZero();
  }

  @Test
  void theFactsOfDeletedTasksAreForgottenAtTheNextRead() {
    for (int i = 0; i < 10; i++) {
      failedOnce("t" + i);
    }
    ledger.report(budget, NOW);
    assertThat(ledger.tasksRemembered()).isEqualTo(10);

    for (int i = 0; i < 6; i++) {
      tasks.remove("t" + i);
    }
    ledger.report(budget, NOW);

    assertThat(ledger.tasksRemembered()).isEqualTo(4);
  }

  @Test
  void aChangedTaskNoBudgetSelectsIsForgotten() {
    DeadLetterTask a = failedOnce("a");
    ledger.report(budget, NOW);
    assertThat(ledger.tasksRemembered()).isEqualTo(1);

    a.getMetadata().setLabels(Map.of("dependency", "registry"));
    BudgetTasks.written(a);
    ledger.report(budget, NOW);

    assertThat(ledger.tasksRemembered()).isZero();
  }

  @Test
  void aNamespaceNoLongerReadIsForgottenWhole() {
    DeadLetterTask elsewhere = task("x");
    elsewhere.getMetadata().setNamespace("other");
    tasks.put("x", elsewhere);
    RetryBudget otherBudget = budget("1m", 0, 1);
    otherBudget.getMetadata().setNamespace("other");
    ledger.report(otherBudget, NOW); // then its budget is deleted: no more reads of "other"
    failedOnce("a");
    ledger.report(budget, NOW);
    assertThat(ledger.tasksRemembered()).isEqualTo(2);

    ledger.report(budget, NOW.plus(TaskFactsMemo.IDLE).plusSeconds(1));

    assertThat(ledger.tasksRemembered()).isEqualTo(1);
  }

  @Test
  void aTaskWithoutResourceVersionIsReadEveryTimeAndNotRemembered() {
    DeadLetterTask a = failedOnce("a");
    DeadLetterTask b = failedOnce("b");
    a.getMetadata().setResourceVersion(null);
    b.getMetadata().setResourceVersion(null);
    ledger.report(budget, NOW);
    assertThat(ledger.tasksRemembered()).isZero();

    running(a, 2); // edited in place, nothing to tell the versions apart

    assertThat(ledger.admit(b, 2, job(b, 2), List.of(budget), NOW)).isPresent();
  }

  @Test
  void anUnchangedTaskIsParsedOnce() {
    DeadLetterTask a = failedOnce("a");
    TaskFactsMemo memo = new TaskFactsMemo();

    TaskFactsMemo.Pass first = memo.pass(NS, NOW);
    List<AttemptFact> parsed = first.facts(a);
    first.end();
    TaskFactsMemo.Pass second = memo.pass(NS, NOW);

    assertThat(second.facts(a)).isSameAs(parsed);
    second.end();
    running(a, 2);
    assertThat(memo.pass(NS, NOW).facts(a)).isNotSameAs(parsed).hasSize(2);
  }
}
