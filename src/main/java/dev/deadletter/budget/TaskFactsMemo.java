package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each task's {@link AttemptFact}s, parsed once per version of the task. An entry is used only for
 * the same uid and resourceVersion it was read from: the API server gives every write (status,
 * labels) a new resourceVersion, so a task whose status changed is read again, and a deleted and
 * recreated task (new uid) too. A task without either (built by hand) is read every time.
 *
 * <p>Bounded: a {@link Pass} reads every task of its namespace, and at its end forgets the entries
 * of tasks it did not see (deleted); a namespace no pass has read for {@link #IDLE} (its last
 * budget deleted) is forgotten whole. Not thread-safe: the ledger serialises its callers.
 */
final class TaskFactsMemo {

  /** Longer than a budget's report interval, so a namespace with a budget is never dropped. */
  static final Duration IDLE = Duration.ofMinutes(10);

  private final Map<String, Namespace> namespaces = new HashMap<>();

  private static final class Namespace {
    final Map<String, Entry> entries = new HashMap<>();
    long passes;
    Instant lastPass;
  }

  private static final class Entry {
    final String uid;
    final String resourceVersion;
    final List<AttemptFact> facts;
    long seen;

    Entry(String uid, String resourceVersion, List<AttemptFact> facts, long seen) {
      this.uid = uid;
      this.resourceVersion = resourceVersion;
      this.facts = facts;
      this.seen = seen;
    }

    boolean isOf(DeadLetterTask t) {
      return uid.equals(t.getMetadata().getUid())
          && resourceVersion.equals(t.getMetadata().getResourceVersion());
    }
  }

  /** Starts a read of every task of the namespace; {@link Pass#end} must follow it. */
  Pass pass(String namespace, Instant now) {
    namespaces
        .entrySet()
        .removeIf(
            e -> !e.getKey().equals(namespace) && e.getValue().lastPass.isBefore(now.minus(IDLE)));
    Namespace ns = namespaces.computeIfAbsent(namespace, n -> new Namespace());
    ns.lastPass = now;
    return new Pass(ns, ++ns.passes);
  }

  /** How many tasks have facts remembered (for tests). */
  int size() {
    return namespaces.values().stream().mapToInt(n -> n.entries.size()).sum();
  }

  /** One read of a namespace: every task in it is {@link #saw seen} or asked for its facts. */
  static final class Pass {
    private final Namespace ns;
    private final long number;

    private Pass(Namespace ns, long number) {
      this.ns = ns;
      this.number = number;
    }

    /** The task is still there; its facts, if remembered and current, are kept. */
    void saw(DeadLetterTask t) {
      Entry e = ns.entries.get(t.getMetadata().getName());
      if (e != null && e.isOf(t)) {
        e.seen = number;
      }
    }

    /** The task's facts, deduplicated by Job (the last record of a Job wins). */
    List<AttemptFact> facts(DeadLetterTask t) {
      String name = t.getMetadata().getName();
      Entry e = ns.entries.get(name);
      if (e != null && e.isOf(t)) {
        e.seen = number;
        return e.facts;
      }
      List<AttemptFact> facts = byJob(AttemptFact.of(t));
      String uid = t.getMetadata().getUid();
      String version = t.getMetadata().getResourceVersion();
      if (uid != null && version != null) {
        ns.entries.put(name, new Entry(uid, version, facts, number));
      } else {
        ns.entries.remove(name);
      }
      return facts;
    }

    /** Forgets the tasks this pass did not see: deleted, or changed and no longer asked for. */
    void end() {
      ns.entries.values().removeIf(e -> e.seen != number);
    }
  }

  private static List<AttemptFact> byJob(List<AttemptFact> facts) {
    Map<String, AttemptFact> byJob = new LinkedHashMap<>();
    facts.forEach(a -> byJob.put(a.job(), a));
    return byJob.size() == facts.size() ? List.copyOf(facts) : List.copyOf(byJob.values());
  }
}
