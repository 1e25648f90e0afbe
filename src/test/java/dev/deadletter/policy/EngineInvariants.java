package dev.deadletter.policy;

import static dev.deadletter.policy.StatusChecks.check;
import static dev.deadletter.policy.StatusChecks.describe;
import static dev.deadletter.policy.StatusChecks.lazy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.policy.Decision.StartAttempt;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What must hold after every pass of the engine model, whatever the history: checked on each
 * decision, and on each status written against the one it replaced.
 */
final class EngineInvariants {

  /** One pass: the world and the status before it, and what it decided and wrote. */
  record Pass(
      DeadLetterTaskStatus before,
      EffectivePolicy policy,
      String token,
      Instant now,
      Observation observed,
      Decision decision,
      boolean written) {}

  /** Every record ever written, by attempt: status keeps only the last 20. */
  private final Map<Integer, AttemptRecord> log = new TreeMap<>();

  /** The attempts whose failure was charged to a rule's own budget when recorded. */
  private final TreeSet<Integer> uncounted = new TreeSet<>();

  private final Map<Integer, ModelBudgets> rounds = new HashMap<>();

  /** The spec in force changed (or a pass sees it). */
  void see(EffectivePolicy policy) {
    rounds.values().forEach(r -> r.see(policy));
  }

  void pass(Pass p) {
    DeadLetterTaskStatus s = p.decision().status();
    check(!s.getMessage().startsWith("the operator could not decide"), "it threw: %s", s);
    String stalled = Tasks.condition(s, TaskConditions.STALLED).getReason();
    check(
        !List.of("InternalError", "InvalidSpec").contains(stalled), "stalled: %s", s.getMessage());
    RoundStatus round = s.getRound();
    rounds.computeIfAbsent(round.getNumber(), n -> new ModelBudgets(p.policy())).see(p.policy());
    Map<Integer, AttemptRecord> records = new TreeMap<>(log);
    TreeSet<Integer> charged = new TreeSet<>(uncounted);
    for (AttemptRecord r : p.decision().recorded()) {
      check(!log.containsKey(r.getAttempt()), "attempt %d recorded twice", r.getAttempt());
      records.put(r.getAttempt(), r);
      if (r.getRule() != null
          && p.policy().rule(r.getRule()).filter(x -> x.budget().isPresent()).isPresent()) {
        charged.add(r.getAttempt());
      }
    }
    countersAgreeWithTheHistory(s, records, charged);
    if (p.decision().action() instanceof StartAttempt start) {
      startIsAllowed(p, start);
    }
    nothingIsLeftWaitingForever(p);
    if (p.written()) {
      log.putAll(records);
      uncounted.addAll(charged);
      StatusChecks.written(p, log);
    }
  }

  /** Attempts of the round = counted + uncounted; each count equals what the records say. */
  private void countersAgreeWithTheHistory(
      DeadLetterTaskStatus s, Map<Integer, AttemptRecord> records, TreeSet<Integer> charged) {
    RoundStatus round = s.getRound();
    int first = round.getFirstAttempt();
    int inRound = Math.max(0, s.getAttempts() - first + 1);
    check(
        round.getCountedAttempts() + round.getUncountedAttempts() == inRound,
        "counted + uncounted is not the round's %d attempts: %s",
        inRound,
        lazy(() -> describe(round)));
    check(
        round.getUncountedAttempts() == charged.tailSet(first).size(),
        "uncounted is not the round's %d failures charged to a rule's budget: %s",
        charged.tailSet(first).size(),
        lazy(() -> describe(round)));
    Map<String, Integer> byRule = new TreeMap<>();
    records.values().stream()
        .filter(r -> r.getAttempt() >= first && r.getRule() != null)
        .forEach(r -> byRule.merge(r.getRule(), 1, Integer::sum));
    check(
        round.getRuleFailures().equals(byRule),
        "ruleFailures are not the history's %s: %s",
        byRule,
        lazy(() -> describe(round)));
    ModelBudgets budgets = rounds.get(round.getNumber());
    check(
        inRound <= budgets.sum(),
        "%d attempts, more than every budget: %s",
        inRound,
        lazy(() -> describe(round)));
    round
        .getRuleFailures()
        .forEach(
            (key, failures) -> {
              OptionalInt b = budgets.unchangedBudget(key);
              check(
                  b.isEmpty() || failures <= b.getAsInt(),
                  "rule %s failed %d times, its maxAttempts is %s",
                  key,
                  failures,
                  b);
            });
  }

  /** A start: a new number, within every budget and maxRetryDuration, never while suspended. */
  private void startIsAllowed(Pass p, StartAttempt start) {
    DeadLetterTaskStatus s = p.decision().status();
    RoundStatus round = s.getRound();
    int before = p.before() == null ? 0 : p.before().getAttempts();
    int seen = p.observed().attempts().keySet().stream().max(Integer::compare).orElse(0);
    check(!p.policy().suspended(), "attempt %d started while suspended", start.number());
    check(
        start.number() == Math.max(before, seen) + 1 && start.number() == s.getAttempts(),
        "started attempt %d after %d (status) and %d (Jobs seen), status says %d",
        start.number(),
        before,
        seen,
        s.getAttempts());
    check(
        round.getCountedAttempts() <= p.policy().maxAttempts(),
        "attempt %d started as counted attempt %d of maxAttempts %d",
        start.number(),
        round.getCountedAttempts(),
        p.policy().maxAttempts());
    if (start.number() == round.getFirstAttempt()) {
      return;
    }
    p.policy()
        .maxRetryDuration()
        .ifPresent(
            d ->
                check(
                    !p.now().isAfter(Timestamps.parse(round.getStartedAt()).plus(d)),
                    "attempt %d started at %s, after the round's start %s + maxRetryDuration %s",
                    start.number(),
                    p.now(),
                    round.getStartedAt(),
                    d));
    AttemptRecord last =
        s.getHistory().stream()
            .filter(r -> r.getAttempt() == start.number() - 1)
            .findFirst()
            .orElse(null);
    check(
        last != null,
        "attempt %d started, attempt %d not recorded",
        start.number(),
        start.number() - 1);
    check(
        last.getAction() != RetryAction.DeadLetter,
        "attempt %d started after a DeadLetter rule",
        start.number());
    if (last.getRule() != null) {
      p.policy()
          .rule(last.getRule())
          .filter(r -> r.budget().isPresent())
          .ifPresent(
              r ->
                  check(
                      round.getRuleFailures().getOrDefault(r.key(), 0) < r.budget().getAsInt(),
                      "attempt %d started after rule %s spent its maxAttempts %d: %s",
                      start.number(),
                      r.key(),
                      r.budget().getAsInt(),
                      lazy(() -> describe(round))));
    }
  }

  /**
   * Idle only when a Job's end, a spec edit or a redrive will bring the next pass: while an attempt
   * runs, suspended, succeeded or dead-lettered. A wait ends later than now.
   */
  private void nothingIsLeftWaitingForever(Pass p) {
    DeadLetterTaskStatus s = p.decision().status();
    if (p.decision().action() instanceof Decision.WaitUntil wait) {
      check(wait.when().isAfter(p.now()), "waits until %s at %s", wait.when(), p.now());
    } else if (p.decision().action() instanceof Decision.Idle) {
      ObservedAttempt latest = p.observed().attempts().get(s.getAttempts());
      boolean running = latest != null && !latest.finished();
      check(
          switch (s.getPhase()) {
            case Running -> running;
            case Suspended -> p.policy().suspended();
            case Succeeded -> !running;
            case DeadLettered -> true;
            default -> false;
          },
          "idle in phase %s, attempt %d running: %s",
          s.getPhase(),
          s.getAttempts(),
          running);
    }
  }

  /** Each attempt Job was created once at most. */
  void createdOnce(Map<Integer, Integer> creates) {
    creates.forEach((n, c) -> check(c == 1, "attempt %d's Job created %d times", n, c));
  }
}
