package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.BackoffPolicy;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.Durations;
import dev.deadletter.api.v1alpha1.HistoryLimits;
import dev.deadletter.api.v1alpha1.RetryAfterPolicy;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.api.v1alpha1.RetryRule;
import java.time.DateTimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** A task's retry policy with every default filled in and every duration parsed. */
public record EffectivePolicy(
    int maxAttempts,
    Backoff backoff,
    Optional<Duration> attemptTimeout,
    Optional<Duration> maxRetryDuration,
    List<EffectiveRule> rules,
    boolean suspended,
    int keepSucceeded,
    int keepFailed,
    Optional<Duration> ttlAfterSucceeded,
    OptionalInt poisonAfter,
    Optional<RetryAfterBounds> retryAfter,
    boolean redriveOnTemplateChange,
    List<EffectiveGate> gates) {

  /** How long a workload's retry-after hint may make the next attempt wait. */
  public record RetryAfterBounds(Duration min, Duration max) {

    /** The hint clamped to these bounds. */
    public Duration clamp(Duration hint) {
      return hint.compareTo(min) < 0 ? min : hint.compareTo(max) > 0 ? max : hint;
    }
  }

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(10);
  public static final double DEFAULT_MULTIPLIER = 2;
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(10);
  public static final double DEFAULT_JITTER = 0.2;
  public static final int DEFAULT_KEEP_SUCCEEDED = 1;
  public static final int DEFAULT_KEEP_FAILED = 3;

  /** The longest value of every duration field, as the CRD's rules say. */
  public static final Duration MAX_DURATION = Duration.ofHours(Durations.MAX_HOURS);

  /**
   * @throws IllegalArgumentException with a message naming the field, for values the schema could
   *     not rule out (it checks each field alone), and for values stored before it did (durations
   *     above {@link #MAX_DURATION}, a source.failedAt that is not a date-time)
   */
  public static EffectivePolicy of(DeadLetterTaskSpec spec) {
    RetryPolicy policy = spec.getRetryPolicy() == null ? new RetryPolicy() : spec.getRetryPolicy();
    Backoff defaults =
        new Backoff(DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER, DEFAULT_MAX_DELAY, DEFAULT_JITTER);
    Backoff backoff = backoff("retryPolicy.backoff", policy.getBackoff(), defaults);
    List<RetryRule> ruleSpecs = policy.getRules() == null ? List.of() : policy.getRules();
    List<EffectiveRule> rules = new ArrayList<>();
    for (int i = 0; i < ruleSpecs.size(); i++) {
      RetryRule rule = ruleSpecs.get(i);
      Optional<Backoff> own =
          rule.getBackoff() == null
              ? Optional.empty()
              : Optional.of(
                  backoff("retryPolicy.rules[" + i + "].backoff", rule.getBackoff(), backoff));
      AttemptMutations.check("retryPolicy.rules[" + i + "].mutate", rule.getMutate());
      rules.add(EffectiveRule.of(i, rule, own));
    }
    HistoryLimits limits =
        spec.getHistoryLimits() == null ? new HistoryLimits() : spec.getHistoryLimits();
    checkTimestamp(
        "source.failedAt", spec.getSource() == null ? null : spec.getSource().getFailedAt());
    return new EffectivePolicy(
        orDefault(policy.getMaxAttempts(), DEFAULT_MAX_ATTEMPTS),
        backoff,
        optionalDuration("retryPolicy.attemptTimeout", policy.getAttemptTimeout()),
        optionalDuration("retryPolicy.maxRetryDuration", policy.getMaxRetryDuration()),
        List.copyOf(rules),
        Boolean.TRUE.equals(spec.getSuspend()),
        orDefault(limits.getSucceeded(), DEFAULT_KEEP_SUCCEEDED),
        orDefault(limits.getFailed(), DEFAULT_KEEP_FAILED),
        optionalDuration("ttlAfterSucceeded", spec.getTtlAfterSucceeded()),
        policy.getPoison() == null || policy.getPoison().getConsecutiveIdenticalFailures() == null
            ? OptionalInt.empty()
            : OptionalInt.of(policy.getPoison().getConsecutiveIdenticalFailures()),
        retryAfter(policy.getHonorRetryAfter()),
        spec.getRedrivePolicy() != null
            && Boolean.TRUE.equals(spec.getRedrivePolicy().getOnTemplateChange()),
        gates(policy.getGates()));
  }

  private static List<EffectiveGate> gates(List<RetryGate> specs) {
    List<EffectiveGate> gates = new ArrayList<>();
    for (int i = 0; specs != null && i < specs.size(); i++) {
      RetryGate gate = specs.get(i);
      if (gate.getCondition() == null || gate.getCondition().getType() == null) {
        throw new IllegalArgumentException(
            "retryPolicy.gates[" + i + "].condition.type is required");
      }
      gates.add(
          new EffectiveGate(
              gate, optionalDuration("retryPolicy.gates[" + i + "].maxWait", gate.getMaxWait())));
    }
    return List.copyOf(gates);
  }

  private static Optional<RetryAfterBounds> retryAfter(RetryAfterPolicy p) {
    if (p == null) {
      return Optional.empty();
    }
    Duration min = duration("retryPolicy.honorRetryAfter.min", p.getMin(), Duration.ZERO);
    Duration max =
        optionalDuration("retryPolicy.honorRetryAfter.max", p.getMax())
            .orElseThrow(
                () -> new IllegalArgumentException("retryPolicy.honorRetryAfter.max is required"));
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "retryPolicy.honorRetryAfter.max must not be shorter than min");
    }
    return Optional.of(new RetryAfterBounds(min, max));
  }

  /** The rule with this key, if the spec still has one. */
  public Optional<EffectiveRule> rule(String key) {
    return rules.stream().filter(r -> r.key().equals(key)).findFirst();
  }

  /** The rules as the spec gives them, for the classifier. */
  public List<RetryRule> ruleSpecs() {
    return rules.stream().map(EffectiveRule::rule).toList();
  }

  /** A backoff block parsed over defaults: each field it leaves out comes from {@code base}. */
  private static Backoff backoff(String field, BackoffPolicy b, Backoff base) {
    if (b == null) {
      return base;
    }
    Duration initial = duration(field + ".initialDelay", b.getInitialDelay(), base.initial());
    Duration max = duration(field + ".maxDelay", b.getMaxDelay(), base.max());
    if (max.compareTo(initial) < 0) {
      if (b.getMaxDelay() != null) {
        throw new IllegalArgumentException(
            field + ".maxDelay must not be shorter than initialDelay");
      }
      max = initial; // only initialDelay was given, and it is above the default cap: it is the cap
    }
    return new Backoff(
        initial,
        orDefault(b.getMultiplier(), base.multiplier()),
        max,
        orDefault(b.getJitter(), base.jitter()));
  }

  private static Duration duration(String field, String text, Duration fallback) {
    return optionalDuration(field, text).orElse(fallback);
  }

  private static Optional<Duration> optionalDuration(String field, String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(GoDuration.parse(text, MAX_DURATION));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  private static void checkTimestamp(String field, String text) {
    try {
      Timestamps.parse(text);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          field + ": not an RFC 3339 date-time (e.g. 2030-01-31T12:00:00Z): " + text, e);
    }
  }

  private static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
