package dev.deadletter.policy;

import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.In;
import static dev.deadletter.api.v1alpha1.ExitCodeMatcher.Operator.NotIn;

import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.RetryAction;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.RetryRule;
import dev.deadletter.testing.Rules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The spec fields the engine model edits, as choices from small catalogs (so a shrunk history reads
 * well), and how each choice is written into a task's spec.
 */
final class ModelSpec {

  /** Failure rules a spec may hold, each at most once (names stay unique). */
  static final List<Supplier<RetryRule>> RULES =
      List.of(
          () -> Rules.onExitCodes(RetryAction.Retry, In, 1, 2),
          () -> named(Rules.onExitCodes(RetryAction.Retry, In, 3), "flaky", 2, backoff("30s", 3.0)),
          () -> Rules.onReasons(RetryAction.RetryWithoutCounting, "Evicted"),
          () ->
              named(Rules.onReasons(RetryAction.RetryWithoutCounting, "OOMKilled"), "oom", 3, null),
          () -> Rules.onExitCodes(RetryAction.DeadLetter, In, 4),
          () ->
              named(
                  Rules.onReasons(RetryAction.DeadLetter, "DeadlineExceeded"),
                  "deadline",
                  null,
                  null),
          () ->
              named(
                  Rules.onReasons(RetryAction.Retry, "JobDeleted"),
                  "deleted",
                  null,
                  backoff("5s", 2.0)),
          () -> named(Rules.onExitCodes(RetryAction.RetryWithoutCounting, In, 5), "quirk", 1, null),
          () -> named(Rules.onExitCodes(RetryAction.Retry, NotIn, 1), null, 4, null));

  /** retryPolicy.backoff choices; 0 leaves it unset (the defaults). */
  static final int BACKOFFS = 5;

  /** retryPolicy.maxRetryDuration choices; 0 leaves it unset. */
  static final List<String> MAX_RETRY_DURATIONS = Arrays.asList(null, "1m", "5m", "30m", "2h");

  private ModelSpec() {}

  /** The starting spec of a history: its choices, and the catalog rules in order. */
  record Start(
      Integer maxAttempts,
      int backoff,
      int maxRetryDuration,
      List<Integer> rules,
      boolean suspend) {

    void writeTo(DeadLetterTaskSpec spec) {
      RetryPolicy policy = new RetryPolicy();
      spec.setRetryPolicy(policy);
      policy.setMaxAttempts(maxAttempts);
      setBackoff(spec, backoff);
      setMaxRetryDuration(spec, maxRetryDuration);
      policy.setRules(
          rules.isEmpty() ? null : rules.stream().map(i -> RULES.get(i).get()).toList());
      spec.setSuspend(suspend ? true : null);
    }

    @Override
    public String toString() {
      return "maxAttempts=%s backoff#%d maxRetryDuration=%s rules=%s%s"
          .formatted(
              maxAttempts,
              backoff,
              MAX_RETRY_DURATIONS.get(maxRetryDuration),
              rules,
              suspend ? " suspended" : "");
    }
  }

  static void setBackoff(DeadLetterTaskSpec spec, int choice) {
    BackoffPolicy b =
        switch (choice) {
          case 0 -> null;
          case 1 -> backoff("1s", 2, "1m", 0);
          case 2 -> backoff("5s", 1.5, "2m", 0.5);
          case 3 -> backoff("30s", 3, "1h", 0.1);
          default -> backoff("2s", null);
        };
    spec.getRetryPolicy().setBackoff(b);
  }

  static void setMaxRetryDuration(DeadLetterTaskSpec spec, int choice) {
    spec.getRetryPolicy().setMaxRetryDuration(MAX_RETRY_DURATIONS.get(choice));
  }

  /** The spec's rules, as a list the caller may edit and set back. */
  static List<RetryRule> rules(DeadLetterTaskSpec spec) {
    List<RetryRule> rules = spec.getRetryPolicy().getRules();
    return rules == null ? new ArrayList<>() : new ArrayList<>(rules);
  }

  static void setRules(DeadLetterTaskSpec spec, List<RetryRule> rules) {
    spec.getRetryPolicy().setRules(rules.isEmpty() ? null : List.copyOf(rules));
  }

  /**
   * A step's edit of the rules ({@code kind} ADD_RULE, REMOVE_RULE, MOVE_RULE or RULE_BUDGET, with
   * its argument), if it changes them.
   */
  static Optional<Consumer<DeadLetterTaskSpec>> ruleEdit(
      DeadLetterTaskSpec spec, ModelHistory.Kind kind, int arg) {
    List<RetryRule> rules = rules(spec);
    Consumer<DeadLetterTaskSpec> setRules = s -> setRules(s, rules);
    switch (kind) {
      case ADD_RULE -> {
        int rule = arg % RULES.size();
        if (holds(rules, rule)) {
          return Optional.empty();
        }
        rules.add((arg / 16) % (rules.size() + 1), RULES.get(rule).get());
        return Optional.of(setRules);
      }
      case REMOVE_RULE -> {
        if (rules.isEmpty()) {
          return Optional.empty();
        }
        rules.remove(arg % rules.size());
        return Optional.of(setRules);
      }
      case MOVE_RULE -> {
        if (rules.size() < 2) {
          return Optional.empty();
        }
        rules.add((arg / 16) % rules.size(), rules.remove(arg % rules.size()));
        return Optional.of(setRules);
      }
      default -> {
        if (rules.isEmpty()) {
          return Optional.empty();
        }
        RetryRule rule = rules.get(arg % rules.size());
        Integer budget = (arg / 16) % 6 == 0 ? null : (arg / 16) % 6;
        return rule.getAction() == RetryAction.DeadLetter
                || Objects.equals(budget, rule.getMaxAttempts())
            ? Optional.empty()
            : Optional.of(s -> rule.setMaxAttempts(budget));
      }
    }
  }

  /** Whether a catalog rule is in the spec: the same action and matcher. */
  private static boolean holds(List<RetryRule> rules, int catalogIndex) {
    RetryRule wanted = RULES.get(catalogIndex).get();
    return rules.stream().anyMatch(r -> sameMatch(r, wanted));
  }

  private static boolean sameMatch(RetryRule a, RetryRule b) {
    return a.getAction() == b.getAction()
        && Objects.equals(a.getOnReasons(), b.getOnReasons())
        && (a.getOnExitCodes() == null) == (b.getOnExitCodes() == null)
        && (a.getOnExitCodes() == null
            || (a.getOnExitCodes().getOperator() == b.getOnExitCodes().getOperator()
                && a.getOnExitCodes().getValues().equals(b.getOnExitCodes().getValues())));
  }

  private static RetryRule named(
      RetryRule rule, String name, Integer maxAttempts, BackoffPolicy b) {
    rule.setName(name);
    rule.setMaxAttempts(maxAttempts);
    rule.setBackoff(b);
    return rule;
  }

  private static BackoffPolicy backoff(
      String initial, double multiplier, String max, double jitter) {
    BackoffPolicy b = backoff(initial, multiplier);
    b.setMaxDelay(max);
    b.setJitter(jitter);
    return b;
  }

  private static BackoffPolicy backoff(String initial, Double multiplier) {
    BackoffPolicy b = new BackoffPolicy();
    b.setInitialDelay(initial);
    b.setMultiplier(multiplier);
    return b;
  }
}
