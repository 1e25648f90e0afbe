package dev.deadletter.operator;

import dev.deadletter.api.v1alpha1.RetryPolicy;
import dev.deadletter.capture.RetryPolicies;
import dev.deadletter.capture.TaskSelector;
import dev.deadletter.observe.GateKind;
import dev.deadletter.policy.GoDuration;
import dev.deadletter.reconciler.CrashPoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The operator's settings, read from environment variables and validated all at once, so a bad
 * deployment fails at start with every problem listed instead of one at a time.
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    String taskLabelSelector,
    int reconcileThreads,
    double clientQps,
    int clientBurst,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    int httpPort,
    LogFormat logFormat,
    String logLevel,
    Duration shutdownTimeout,
    boolean capture,
    boolean captureLabelledNamespaces,
    RetryPolicy captureDefaultPolicy,
    List<GateKind> gateKinds,
    String identity,
    CrashPoints crashPoints,
    boolean checkCacheMutations) {

  /** How log lines are written. */
  public enum LogFormat {
    TEXT,
    JSON
  }

  /**
   * Every setting: its environment variable, default and meaning. The README's table is this list.
   */
  public enum Setting {
    WATCH_NAMESPACES("", "comma-separated namespaces to watch; empty: all namespaces"),
    TASK_LABEL_SELECTOR(
        "", "only tasks matching this label selector (to shard tasks across installs)"),
    RECONCILE_THREADS("10", "tasks reconciled in parallel"),
    KUBE_CLIENT_QPS(
        "50", "sustained Kubernetes API requests per second (Events and watches exempt)"),
    KUBE_CLIENT_BURST("100", "Kubernetes API requests allowed in a burst"),
    LEADER_ELECTION_ENABLED(
        "false", "true: only the holder of a Lease reconciles (run several replicas)"),
    LEADER_ELECTION_LEASE_NAME("deadletter-operator", "the Lease's name"),
    LEADER_ELECTION_LEASE_NAMESPACE("", "the Lease's namespace; default: POD_NAMESPACE"),
    HTTP_PORT("8080", "port of /metrics, /healthz and /readyz; 0 turns the endpoint off"),
    LOG_FORMAT("text", "text or json (one JSON object per line)"),
    LOG_LEVEL("INFO", "TRACE, DEBUG, INFO, WARN or ERROR"),
    SHUTDOWN_TIMEOUT("30s", "how long SIGTERM waits for running reconciles"),
    CAPTURE_ENABLED("true", "capture failed Jobs labelled deadletter.dev/capture=true as tasks"),
    CAPTURE_LABELLED_NAMESPACES(
        "false",
        "also capture every failed Job of namespaces labelled deadletter.dev/capture=true; caches all"
            + " Jobs of the watched namespaces instead of only labelled ones"),
    CAPTURE_DEFAULT_RETRY_POLICY(
        "", "retry policy (JSON or YAML) of captured tasks whose Job names none"),
    GATE_KINDS(
        "apps/v1/Deployment,apps/v1/StatefulSet",
        "kinds retryPolicy.gates may name (apiVersion/Kind, comma-separated); each is watched in"
            + " the watched namespaces and needs get, list and watch; empty: no gates");

    final String fallback;
    final String meaning;

    Setting(String fallback, String meaning) {
      this.fallback = fallback;
      this.meaning = meaning;
    }

    public String fallback() {
      return fallback;
    }

    public String meaning() {
      return meaning;
    }
  }

  /** Thrown with every invalid setting named; the process exits with status 2. */
  public static final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  public static OperatorConfig fromEnv(Map<String, String> env) {
    Reader r = new Reader(env);
    Set<String> namespaces = r.get(Setting.WATCH_NAMESPACES, OperatorConfig::namespaces);
    // Parsed here too, because capture matches it in process (TaskSelector).
    String selector =
        r.get(
            Setting.TASK_LABEL_SELECTOR,
            v -> {
              TaskSelector.parse(v);
              return v;
            });
    Integer threads = r.get(Setting.RECONCILE_THREADS, v -> range(Integer.parseInt(v), 1, 200));
    Double qps = r.get(Setting.KUBE_CLIENT_QPS, v -> range(Double.parseDouble(v), 0.1, 10_000.0));
    Integer burst = r.get(Setting.KUBE_CLIENT_BURST, v -> range(Integer.parseInt(v), 1, 100_000));
    Boolean leader = r.get(Setting.LEADER_ELECTION_ENABLED, OperatorConfig::bool);
    String leaseName = r.get(Setting.LEADER_ELECTION_LEASE_NAME, v -> matching(v, DNS_SUBDOMAIN));
    String leaseNamespace =
        r.get(
            Setting.LEADER_ELECTION_LEASE_NAMESPACE,
            v -> v.isEmpty() ? env.getOrDefault("POD_NAMESPACE", "") : v);
    Integer port = r.get(Setting.HTTP_PORT, v -> range(Integer.parseInt(v), 0, 65535));
    LogFormat format =
        r.get(
            Setting.LOG_FORMAT,
            v -> LogFormat.valueOf(oneOf(v.toUpperCase(), Set.of("TEXT", "JSON"))));
    String level = r.get(Setting.LOG_LEVEL, v -> oneOf(v.toUpperCase(), LEVELS));
    Duration shutdown = r.get(Setting.SHUTDOWN_TIMEOUT, GoDuration::parse);
    Boolean capture = r.get(Setting.CAPTURE_ENABLED, OperatorConfig::bool);
    Boolean captureNamespaces = r.get(Setting.CAPTURE_LABELLED_NAMESPACES, OperatorConfig::bool);
    RetryPolicy capturePolicy =
        r.get(
            Setting.CAPTURE_DEFAULT_RETRY_POLICY,
            v -> v.isEmpty() ? null : RetryPolicies.check(RetryPolicies.parse(v)));
    List<GateKind> gateKinds = r.get(Setting.GATE_KINDS, GateKind::parseList);
    // Not settings of the README's table: the pod's name, and a switch of the reliability tests.
    String identity =
        r.get(
            "HOSTNAME",
            "the replica's name in the Lease and in Events (the pod's name)",
            v -> v.isEmpty() ? "deadletter-operator-" + UUID.randomUUID() : v);
    CrashPoints crashPoints =
        r.get(
            CrashPoints.ENV,
            "test-only crash points, e.g. after-create:0.2",
            v -> CrashPoints.fromEnv(Map.of(CrashPoints.ENV, v)));
    boolean checkCacheMutations =
        r.get(
            CacheMutationCheck.ENV,
            "test-only: true stops the process when a reconciler changes a cached object",
            Boolean::parseBoolean);
    if (Boolean.TRUE.equals(leader)
        && leaseNamespace != null
        && !DNS_LABEL.matcher(leaseNamespace).matches()) {
      r.problems.add(
          "LEADER_ELECTION_LEASE_NAMESPACE (or POD_NAMESPACE) must name a namespace when"
              + " LEADER_ELECTION_ENABLED=true, got '"
              + leaseNamespace
              + "'");
    }
    if (!r.problems.isEmpty()) {
      throw new InvalidConfigException(r.problems);
    }
    return new OperatorConfig(
        namespaces,
        selector,
        threads,
        qps,
        burst,
        leader,
        leaseName,
        leaseNamespace,
        port,
        format,
        level,
        shutdown,
        capture,
        captureNamespaces,
        capturePolicy,
        gateKinds,
        identity,
        crashPoints,
        checkCacheMutations);
  }

  /** Collects parse errors instead of stopping at the first. */
  private static final class Reader {
    final Map<String, String> env;
    final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    <T> T get(Setting setting, Function<String, T> parse) {
      return get(setting.name(), setting.fallback, setting.meaning, parse);
    }

    /** A variable that is not a {@link Setting}; unset, it is empty. */
    <T> T get(String name, String meaning, Function<String, T> parse) {
      return get(name, "", meaning, parse);
    }

    private <T> T get(String name, String fallback, String meaning, Function<String, T> parse) {
      String raw = env.getOrDefault(name, fallback).strip();
      try {
        return parse.apply(raw);
      } catch (RuntimeException e) {
        problems.add(
            "%s='%s' is invalid: %s (%s)"
                .formatted(
                    name,
                    raw,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(),
                    meaning));
        return null;
      }
    }
  }

  static Set<String> namespaces(String value) {
    Set<String> names =
        Arrays.stream(value.split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    names.forEach(n -> matching(n, DNS_LABEL));
    return names;
  }

  private static boolean bool(String v) {
    return switch (v.toLowerCase()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }

  private static String matching(String v, Pattern p) {
    if (!p.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a valid Kubernetes name");
    }
    return v;
  }

  private static String oneOf(String v, Set<String> allowed) {
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException("expected one of " + allowed.stream().sorted().toList());
    }
    return v;
  }

  private static <N extends Number & Comparable<N>> N range(N v, N min, N max) {
    if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
      throw new IllegalArgumentException("expected " + min + ".." + max);
    }
    return v;
  }
}
