package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.StartAttempt;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The engine model's checks of each written status against the one it replaced (the dead-letter
 * latch, the history) and of a second look at the same world, with the helpers that report them.
 */
final class StatusChecks {

  private StatusChecks() {}

  /** A written status against the one it replaced: the dead-letter latch, the history. */
  static void written(EngineInvariants.Pass p, Map<Integer, AttemptRecord> log) {
    DeadLetterTaskStatus before = p.before();
    DeadLetterTaskStatus s = p.decision().status();
    boolean redrive =
        p.token() != null
            && (before == null || !p.token().equals(before.getLastHandledRetryRequest()))
            && p.token().equals(s.getLastHandledRetryRequest());
    check(
        (s.getDeadLetter() != null) == (s.getPhase() == TaskPhase.DeadLettered),
        "phase %s with deadLetter %s",
        s.getPhase(),
        s.getDeadLetter());
    if (before != null) {
      boolean left =
          (before.getDeadLetter() != null
                  && !Objects.equals(before.getDeadLetter(), s.getDeadLetter()))
              || (before.getPhase() == TaskPhase.DeadLettered
                  && s.getPhase() != TaskPhase.DeadLettered);
      check(
          !left || redrive,
          "left DeadLettered without a redrive:%n    %s%n -> %s",
          lazy(() -> describe(before)),
          lazy(() -> describe(s)));
      int was = before.getRound() == null ? 1 : before.getRound().getNumber();
      check(
          s.getRound().getNumber() == was || (redrive && s.getRound().getNumber() == was + 1),
          "round %d followed round %d, redrive %s",
          s.getRound().getNumber(),
          was,
          redrive);
    }
    if (s.getRefusedStart() != null) {
      check(
          s.getRefusedStart().getAttempt() == s.getAttempts() + 1,
          "refusedStart %d",
          s.getRefusedStart().getAttempt());
    }
    List<Integer> numbers = s.getHistory().stream().map(AttemptRecord::getAttempt).toList();
    int last = numbers.isEmpty() ? 0 : numbers.get(numbers.size() - 1);
    check(
        last == s.getAttempts() || last == s.getAttempts() - 1,
        "history ends at %d, attempts is %d",
        last,
        s.getAttempts());
    check(
        numbers.size() == Math.min(DeadLetterTaskStatus.HISTORY_LIMIT, last),
        "history %s",
        numbers);
    for (int i = 0; i < numbers.size(); i++) {
      AttemptRecord r = s.getHistory().get(i);
      check(r.getAttempt() == last - numbers.size() + 1 + i, "history out of order: %s", numbers);
      check(r.equals(log.get(r.getAttempt())), "attempt %d rewritten in history", r.getAttempt());
    }
    if (last == s.getAttempts() - 1) {
      ObservedAttempt latest = p.observed().attempts().get(s.getAttempts());
      check(
          p.decision().action() instanceof StartAttempt || (latest != null && !latest.finished()),
          "attempt %d missing from history, yet not running",
          s.getAttempts());
    }
  }

  /** A second look at the same world, just after the first: nothing to change, nothing to say. */
  static void secondLook(Decision first, Decision again, DeadLetterTaskStatus written) {
    check(
        again.status().equals(written),
        "a second look changed the status:%n    %s%n -> %s",
        lazy(() -> describe(written)),
        lazy(() -> describe(again.status())));
    check(again.events().isEmpty(), "a second look said %s", again.events());
    check(
        first.action() instanceof StartAttempt
            ? !(again.action() instanceof StartAttempt)
            : again.action().equals(first.action()),
        "a second look did %s after %s",
        again.action(),
        first.action());
  }

  static String describe(DeadLetterTaskStatus s) {
    return "%s attempts=%d %s deadLetter=%s refused=%s handled=%s next=%s history=%s: %s"
        .formatted(
            s.getPhase(),
            s.getAttempts(),
            describe(s.getRound()),
            s.getDeadLetter() == null ? null : s.getDeadLetter().getReason(),
            s.getRefusedStart() == null
                ? null
                : s.getRefusedStart().getAttempt() + "x" + s.getRefusedStart().getRefusals(),
            s.getLastHandledRetryRequest(),
            s.getNextAttemptAt(),
            s.getHistory().stream().map(r -> r.getAttempt() + ":" + r.getRule()).toList(),
            s.getMessage());
  }

  static String describe(RoundStatus r) {
    return "round %d from attempt %d: counted %d, uncounted %d, ruleFailures %s, started %s"
        .formatted(
            r.getNumber(),
            r.getFirstAttempt(),
            r.getCountedAttempts(),
            r.getUncountedAttempts(),
            r.getRuleFailures(),
            r.getStartedAt());
  }

  /** An argument formatted only if a check fails. */
  static Object lazy(Supplier<String> text) {
    return new Object() {
      @Override
      public String toString() {
        return text.get();
      }
    };
  }

  static void check(boolean holds, String format, Object... args) {
    if (!holds) {
      throw new AssertionError(format.formatted(args));
    }
  }
}
