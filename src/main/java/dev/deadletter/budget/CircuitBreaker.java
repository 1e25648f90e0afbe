package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.CircuitStatus.State;
import dev.deadletter.budget.EffectiveBudget.Breaker;
import dev.deadletter.policy.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The circuit breakers of one budget, judged purely from the selected tasks' attempts, the
 * circuits' last recorded states and the clock.
 *
 * <p>Closed: when more than failureRate percent of at least minAttempts attempts of the key that
 * ended in the window (and after the circuit last closed) failed, it opens for openFor. Then it is
 * HalfOpen: halfOpenProbes retries of the key go through; a failure among them reopens it, and once
 * as many have succeeded it closes.
 */
public final class CircuitBreaker {

  private final Breaker policy;

  public CircuitBreaker(Breaker policy) {
    this.policy = policy;
  }

  /** The key of the retry that would follow these attempts of a task, if it has one. */
  public Optional<String> keyOfNextRetry(Map<String, String> labels, String lastFailedRule) {
    if (policy.keyLabel().isPresent()) {
      return Optional.ofNullable(labels.get(policy.keyLabel().get()));
    }
    return Optional.ofNullable(lastFailedRule);
  }

  /** The keys worth judging: those with a recorded state, and those that failed in the window. */
  public Set<String> keys(List<AttemptFact> attempts, Iterable<String> recorded, Instant now) {
    Set<String> keys = new TreeSet<>();
    recorded.forEach(keys::add);
    Instant from = now.minus(policy.window());
    for (AttemptFact a : attempts) {
      if (a.failed() && a.finished() && a.finish().isAfter(from)) {
        failureKey(a).ifPresent(keys::add);
      }
    }
    return keys;
  }

  /**
   * The circuit's state now.
   *
   * @param previous its last recorded state; null: closed since ever
   */
  public CircuitStatus judge(
      String key, CircuitStatus previous, List<AttemptFact> attempts, Instant now) {
    State state = previous == null ? State.Closed : previous.getState();
    Instant since = previous == null ? null : Timestamps.parse(previous.getSince());
    if (state == State.Open) {
      Instant until = Timestamps.parse(previous.getUntil());
      if (until != null && now.isBefore(until)) {
        return previous;
      }
      state = State.HalfOpen;
      since = until == null ? now : until;
    }
    if (state == State.HalfOpen) {
      return halfOpen(key, since, attempts, now);
    }
    return closed(key, since, attempts, now);
  }

  private CircuitStatus closed(
      String key, Instant closedAt, List<AttemptFact> attempts, Instant now) {
    Instant windowStart = now.minus(policy.window());
    Instant from = closedAt != null && closedAt.isAfter(windowStart) ? closedAt : windowStart;
    int ended = 0;
    int failures = 0;
    for (AttemptFact a : attempts) {
      if (a.finished() && a.finish().isAfter(from) && !a.finish().isAfter(now) && counts(a, key)) {
        ended++;
        if (failedFor(a, key)) {
          failures++;
        }
      }
    }
    CircuitStatus s;
    if (ended >= policy.minAttempts() && failures * 100L > (long) policy.failureRate() * ended) {
      s = open(key, now);
    } else {
      s =
          new CircuitStatus(
              key, State.Closed, closedAt == null ? null : Timestamps.format(closedAt), null);
    }
    s.setAttempts(ended);
    s.setFailures(failures);
    return s;
  }

  private CircuitStatus halfOpen(
      String key, Instant since, List<AttemptFact> attempts, Instant now) {
    int succeeded = 0;
    for (AttemptFact a : probes(key, since, attempts)) {
      if (!a.finished()) {
        continue;
      }
      if (failedFor(a, key)) {
        return open(key, now);
      }
      succeeded++;
    }
    if (succeeded >= policy.halfOpenProbes()) {
      return new CircuitStatus(key, State.Closed, Timestamps.format(now), null);
    }
    return new CircuitStatus(key, State.HalfOpen, Timestamps.format(since), null);
  }

  private CircuitStatus open(String key, Instant now) {
    return new CircuitStatus(
        key, State.Open, Timestamps.format(now), Timestamps.format(now.plus(policy.openFor())));
  }

  /**
   * Whether a retry of the key may start in this state: always when Closed, never when Open, and
   * while HalfOpen only as long as fewer than halfOpenProbes have started.
   */
  public boolean admits(CircuitStatus state, List<AttemptFact> attempts) {
    return switch (state.getState()) {
      case Closed -> true;
      case Open -> false;
      case HalfOpen ->
          probes(state.getKey(), Timestamps.parse(state.getSince()), attempts).size()
              < policy.halfOpenProbes();
    };
  }

  /** Retries of the key that started once the circuit went half-open. */
  private List<AttemptFact> probes(String key, Instant since, List<AttemptFact> attempts) {
    return attempts.stream()
        .filter(a -> a.retry() && key.equals(retryKey(a)))
        .filter(a -> a.start() == null || !a.start().isBefore(since))
        .toList();
  }

  /** Whether the attempt counts toward the key's failure rate at all. */
  private boolean counts(AttemptFact a, String key) {
    return policy.keyLabel().map(l -> key.equals(a.labels().get(l))).orElse(true);
  }

  private boolean failedFor(AttemptFact a, String key) {
    return a.failed() && failureKey(a).map(key::equals).orElse(false);
  }

  private Optional<String> failureKey(AttemptFact a) {
    if (!a.failed()) {
      return Optional.empty();
    }
    return policy.keyLabel().isPresent()
        ? Optional.ofNullable(a.labels().get(policy.keyLabel().get()))
        : Optional.ofNullable(a.failedRule());
  }

  /** The key a retry was let through under. */
  private String retryKey(AttemptFact a) {
    return policy.keyLabel().isPresent() ? a.labels().get(policy.keyLabel().get()) : a.retryOf();
  }

  /** A closed circuit that has nothing to remember: no failure in its window, closed long ago. */
  public boolean forgettable(CircuitStatus s, Instant now) {
    Instant since = Timestamps.parse(s.getSince());
    return s.getState() == State.Closed
        && Objects.equals(s.getFailures(), 0)
        && (since == null || since.isBefore(now.minus(policy.window())));
  }
}
