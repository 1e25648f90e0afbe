package dev.deadletter.policy;

import dev.deadletter.api.v1alpha1.AttemptRecord;
import dev.deadletter.api.v1alpha1.DeadLetterTaskSpec;
import dev.deadletter.api.v1alpha1.DeadLetterTaskStatus;
import dev.deadletter.api.v1alpha1.DeadlineGrowth;
import dev.deadletter.api.v1alpha1.NodeAvoidance;
import dev.deadletter.api.v1alpha1.QuantityGrowth;
import dev.deadletter.api.v1alpha1.ResourceMutation;
import dev.deadletter.api.v1alpha1.RoundStatus;
import dev.deadletter.api.v1alpha1.RuleMutation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the rules' {@code mutate} changes in the next attempt: a pure function of the spec (its Job
 * template and rules) and the status (status.round.ruleFailures and the history), so a pass after a
 * crash or an adoption plans the same attempt again.
 *
 * <p>Every rule with a mutate and a non-zero count k in the round applies, in the order of the
 * rules, each by its own k: a value v (the template's, or the previous rule's result) becomes min(v
 * x factor^k, max), and a value already at or above max is left as it is (never lowered). Memory is
 * rounded up to whole Mi, cpu to whole millicores. Only values that differ from the template are
 * listed.
 *
 * @param resources the containers' requests and limits that differ from the template
 * @param activeDeadlineSeconds the Job's grown deadline, or null when unchanged
 * @param requiredAvoid nodes the pod must not run on
 * @param preferredAvoid nodes the pod should not run on (those already required are left out)
 */
public record AttemptMutations(
    List<ResourceValue> resources,
    Long activeDeadlineSeconds,
    List<String> requiredAvoid,
    List<String> preferredAvoid) {

  /** The Job annotation, the history field and the workload's env var carry {@link #summary()}. */
  public static final String ANNOTATION = "deadletter.dev/mutations";

  public static final AttemptMutations NONE =
      new AttemptMutations(List.of(), null, List.of(), List.of());

  private static final BigDecimal MI = BigDecimal.valueOf(1024L * 1024);
  private static final BigDecimal GI = MI.multiply(BigDecimal.valueOf(1024));
  private static final BigDecimal MILLI = new BigDecimal("0.001");

  /**
   * One changed value: {@code kind} is requests or limits, {@code resource} memory or cpu.
   *
   * @param container the container's name (containers and init containers)
   */
  public record ResourceValue(String container, String kind, String resource, String quantity) {

    String key() {
      return kind + "." + resource + "/" + container;
    }
  }

  public boolean isEmpty() {
    return resources.isEmpty()
        && activeDeadlineSeconds == null
        && requiredAvoid.isEmpty()
        && preferredAvoid.isEmpty();
  }

  /**
   * A compact {@code key=value} list, e.g. {@code
   * limits.memory/app=384Mi,requests.memory/app=384Mi,activeDeadlineSeconds=90,avoidNodes.Preferred=node-a+node-b};
   * empty when nothing changes.
   */
  public String summary() {
    List<String> parts = new ArrayList<>();
    resources.forEach(v -> parts.add(v.key() + "=" + v.quantity()));
    if (activeDeadlineSeconds != null) {
      parts.add("activeDeadlineSeconds=" + activeDeadlineSeconds);
    }
    if (!requiredAvoid.isEmpty()) {
      parts.add("avoidNodes.Required=" + String.join("+", requiredAvoid));
    }
    if (!preferredAvoid.isEmpty()) {
      parts.add("avoidNodes.Preferred=" + String.join("+", preferredAvoid));
    }
    return String.join(",", parts);
  }

  /** The mutations of the attempt that starts after the status {@code status}. */
  public static AttemptMutations plan(
      DeadLetterTaskSpec spec, EffectivePolicy policy, DeadLetterTaskStatus status) {
    RoundStatus round = status == null ? null : status.getRound();
    if (round == null || round.getRuleFailures().isEmpty()) {
      return NONE;
    }
    JobSpec job = jobSpec(spec.getJobTemplate());
    // container -> "kind.resource" -> value, in the template's order
    Map<String, Map<String, BigDecimal>> values = new LinkedHashMap<>();
    Map<String, Map<String, BigDecimal>> base = new LinkedHashMap<>();
    for (Container c : containers(job)) {
      Map<String, BigDecimal> own = baseValues(c);
      values.put(c.getName(), new LinkedHashMap<>(own));
      base.put(c.getName(), own);
    }
    Long baseDeadline = baseDeadline(job, policy);
    Long deadline = baseDeadline;
    Set<String> required = new LinkedHashSet<>();
    Set<String> preferred = new LinkedHashSet<>();
    Map<String, String> capText = new LinkedHashMap<>();
    for (EffectiveRule rule : policy.rules()) {
      RuleMutation m = rule.rule().getMutate();
      int k = round.getRuleFailures().getOrDefault(rule.key(), 0);
      if (m == null || k == 0) {
        continue;
      }
      ResourceMutation r = m.getResources();
      if (r != null) {
        for (Map.Entry<String, Map<String, BigDecimal>> c : values.entrySet()) {
          if (!selected(r, c.getKey())) {
            continue;
          }
          grow(c.getValue(), "memory", r.getMemory(), k, capText);
          grow(c.getValue(), "cpu", r.getCpu(), k, capText);
        }
      }
      DeadlineGrowth d = m.getExtendDeadline();
      if (d != null && deadline != null) {
        long max = maxDeadline(d);
        if (deadline < max) {
          double grown = Math.ceil(deadline * Math.pow(d.getFactor(), k));
          deadline = grown >= max ? max : (long) grown;
        }
      }
      NodeAvoidance a = m.getAvoidFailedNodes();
      if (a != null) {
        List<String> nodes = failedNodes(status, round, rule.key(), maxExcluded(a));
        (a.getMode() == NodeAvoidance.Mode.Required ? required : preferred).addAll(nodes);
      }
    }
    preferred.removeAll(required);
    List<ResourceValue> changed = new ArrayList<>();
    values.forEach(
        (container, now) ->
            now.forEach(
                (key, v) -> {
                  if (v.compareTo(base.get(container).get(key)) != 0) {
                    String[] kr = key.split("\\.");
                    String text =
                        capText.containsKey(key + "=" + v.toPlainString())
                            ? capText.get(key + "=" + v.toPlainString())
                            : format(kr[1], v);
                    changed.add(new ResourceValue(container, kr[0], kr[1], text));
                  }
                }));
    return new AttemptMutations(
        List.copyOf(changed),
        Objects.equals(deadline, baseDeadline) ? null : deadline,
        List.copyOf(required),
        List.copyOf(preferred));
  }

  /**
   * Whether the failed attempt of a rule's k-th failure in the round already ran with every value
   * the rule's mutate.resources grows at its cap: the climb is over. A rule that grows nothing (the
   * template sets none of its resources) never reaches a cap.
   */
  public static boolean capReached(DeadLetterTaskSpec spec, EffectiveRule rule, int k) {
    RuleMutation m = rule.rule().getMutate();
    if (m == null || m.getResources() == null || k < 1) {
      return false;
    }
    ResourceMutation r = m.getResources();
    boolean any = false;
    for (Container c : containers(jobSpec(spec.getJobTemplate()))) {
      if (!selected(r, c.getName())) {
        continue;
      }
      Map<String, BigDecimal> values = baseValues(c);
      for (String resource : List.of("memory", "cpu")) {
        QuantityGrowth g = "memory".equals(resource) ? r.getMemory() : r.getCpu();
        if (g == null) {
          continue;
        }
        BigDecimal max = amount(g.getMax());
        for (Map.Entry<String, BigDecimal> e : values.entrySet()) {
          if (!e.getKey().endsWith("." + resource)) {
            continue;
          }
          any = true;
          BigDecimal ran = grown(e.getValue(), resource, g.getFactor(), k - 1);
          if (ran.compareTo(max) < 0) {
            return false;
          }
        }
      }
    }
    return any;
  }

  /**
   * Checks what the schema may not have (objects stored before its rules): factors above 1,
   * quantities and durations that parse.
   *
   * @throws IllegalArgumentException naming the field
   */
  static void check(String field, RuleMutation m) {
    if (m == null) {
      return;
    }
    ResourceMutation r = m.getResources();
    if (r != null) {
      checkGrowth(field + ".resources.memory", r.getMemory());
      checkGrowth(field + ".resources.cpu", r.getCpu());
    }
    DeadlineGrowth d = m.getExtendDeadline();
    if (d != null) {
      checkFactor(field + ".extendDeadline.factor", d.getFactor());
      if (d.getMax() == null) {
        throw new IllegalArgumentException(field + ".extendDeadline.max is required");
      }
      try {
        GoDuration.parse(d.getMax(), EffectivePolicy.MAX_DURATION);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + ".extendDeadline.max: " + e.getMessage(), e);
      }
    }
    NodeAvoidance a = m.getAvoidFailedNodes();
    if (a != null
        && a.getMaxExcluded() != null
        && (a.getMaxExcluded() < 1 || a.getMaxExcluded() > 10)) {
      throw new IllegalArgumentException(field + ".avoidFailedNodes.maxExcluded must be 1 to 10");
    }
  }

  private static void checkGrowth(String field, QuantityGrowth g) {
    if (g == null) {
      return;
    }
    checkFactor(field + ".factor", g.getFactor());
    if (g.getMax() == null) {
      throw new IllegalArgumentException(field + ".max is required");
    }
    try {
      amount(g.getMax());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ".max: not a quantity: " + g.getMax(), e);
    }
  }

  private static void checkFactor(String field, Double factor) {
    if (factor == null || !(factor > 1) || factor > 10) {
      throw new IllegalArgumentException(field + " must be greater than 1 and at most 10");
    }
  }

  private static void grow(
      Map<String, BigDecimal> values,
      String resource,
      QuantityGrowth g,
      int k,
      Map<String, String> capText) {
    if (g == null) {
      return;
    }
    BigDecimal max = amount(g.getMax());
    for (String kind : List.of("requests", "limits")) {
      String key = kind + "." + resource;
      BigDecimal v = values.get(key);
      if (v == null || v.compareTo(max) >= 0) {
        continue; // nothing to grow, or already at (or above) the cap: never lowered
      }
      BigDecimal next = grown(v, resource, g.getFactor(), k);
      if (next.compareTo(max) >= 0) {
        next = max;
        capText.put(key + "=" + max.toPlainString(), g.getMax());
      }
      values.put(key, next);
    }
  }

  /** v x factor^k, memory rounded up to whole Mi, cpu to whole millicores. */
  private static BigDecimal grown(BigDecimal v, String resource, double factor, int k) {
    BigDecimal raw = v.multiply(BigDecimal.valueOf(Math.pow(factor, k)));
    BigDecimal unit = "memory".equals(resource) ? MI : MILLI;
    if (raw.compareTo(unit) < 0) {
      return raw.setScale(0, RoundingMode.CEILING).max(v);
    }
    return raw.divide(unit, 0, RoundingMode.CEILING).multiply(unit).stripTrailingZeros();
  }

  private static String format(String resource, BigDecimal v) {
    if ("memory".equals(resource)) {
      if (v.remainder(GI).signum() == 0) {
        return v.divide(GI).toBigInteger() + "Gi";
      }
      if (v.remainder(MI).signum() == 0) {
        return v.divide(MI).toBigInteger() + "Mi";
      }
      return v.setScale(0, RoundingMode.CEILING).toPlainString();
    }
    BigDecimal millis = v.divide(MILLI).setScale(0, RoundingMode.CEILING);
    return millis.remainder(BigDecimal.valueOf(1000)).signum() == 0
        ? millis.divide(BigDecimal.valueOf(1000)).toBigInteger().toString()
        : millis.toBigInteger() + "m";
  }

  /** requests.memory, limits.memory, requests.cpu, limits.cpu as the container sets them. */
  private static Map<String, BigDecimal> baseValues(Container c) {
    Map<String, BigDecimal> values = new LinkedHashMap<>();
    ResourceRequirements r = c.getResources();
    if (r == null) {
      return values;
    }
    for (String resource : List.of("memory", "cpu")) {
      put(values, "requests." + resource, r.getRequests(), resource);
      put(values, "limits." + resource, r.getLimits(), resource);
    }
    return values;
  }

  private static void put(
      Map<String, BigDecimal> values, String key, Map<String, Quantity> from, String resource) {
    Quantity q = from == null ? null : from.get(resource);
    if (q != null) {
      values.put(key, Quantity.getAmountInBytes(q));
    }
  }

  private static BigDecimal amount(String quantity) {
    return Quantity.getAmountInBytes(new Quantity(quantity));
  }

  private static boolean selected(ResourceMutation r, String container) {
    return r.getContainers() == null
        || r.getContainers().isEmpty()
        || r.getContainers().contains(container);
  }

  private static Long baseDeadline(JobSpec job, EffectivePolicy policy) {
    if (job != null && job.getActiveDeadlineSeconds() != null) {
      return job.getActiveDeadlineSeconds();
    }
    return policy.attemptTimeout().map(t -> Math.max(1, t.toSeconds())).orElse(null);
  }

  private static long maxDeadline(DeadlineGrowth d) {
    Duration max = GoDuration.parse(d.getMax(), EffectivePolicy.MAX_DURATION);
    return Math.max(1, max.toSeconds());
  }

  private static int maxExcluded(NodeAvoidance a) {
    return a.getMaxExcluded() == null ? NodeAvoidance.DEFAULT_MAX_EXCLUDED : a.getMaxExcluded();
  }

  /** The nodes of the rule's failures in the round, the most recent first, at most {@code max}. */
  private static List<String> failedNodes(
      DeadLetterTaskStatus status, RoundStatus round, String key, int max) {
    return status.getHistory().stream()
        .filter(h -> h.getAttempt() >= round.getFirstAttempt() || round.getNumber() == 1)
        .filter(h -> key.equals(h.getRule()) && h.getNode() != null)
        .sorted(Comparator.comparingInt(AttemptRecord::getAttempt).reversed())
        .map(AttemptRecord::getNode)
        .distinct()
        .limit(max)
        .toList();
  }

  private static JobSpec jobSpec(JobTemplateSpec template) {
    return template == null ? null : template.getSpec();
  }

  private static List<Container> containers(JobSpec job) {
    PodSpec pod = job == null || job.getTemplate() == null ? null : job.getTemplate().getSpec();
    if (pod == null) {
      return List.of();
    }
    return Stream.concat(
            pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream(),
            pod.getContainers() == null ? Stream.empty() : pod.getContainers().stream())
        .toList();
  }
}
