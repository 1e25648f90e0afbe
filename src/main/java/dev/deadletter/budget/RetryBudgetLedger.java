package dev.deadletter.budget;

import dev.deadletter.api.v1alpha1.CircuitStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import dev.deadletter.policy.BudgetHold;
import dev.deadletter.policy.GoDuration;
import dev.deadletter.policy.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Admits or holds back each retry against the budgets that select its task. One per operator
 * process; passes of different tasks run in parallel, so admission is serialised here and a token
 * is held by a {@link Grant} from the moment it is given until the task's status records the
 * attempt: two passes can never spend the same token.
 *
 * <p>Everything else is read from the world on every call: the selected tasks' histories (from the
 * operator's task cache) and, for the circuits, their last states as the budget's status recorded
 * them. After a restart nothing is forgotten (the histories and the circuits are in status) and
 * nothing is spent twice (a running attempt whose start is unknown counts as started now). Only the
 * parsing is remembered ({@link TaskFactsMemo}): per task version, so never staler than the cache.
 */
public final class RetryBudgetLedger {

  /** How soon a retry held back for a cause time alone does not end is looked at again. */
  static final Duration RECHECK = Duration.ofSeconds(5);

  /** A grant is forgotten when its task is gone, its attempt recorded, or after this long. */
  static final Duration GRANT_LIMIT = Duration.ofDays(1);

  private volatile Function<String, Stream<DeadLetterTask>> tasks = ns -> Stream.empty();
  private volatile boolean tasksBound;
  private final Map<String, Grant> grants = new HashMap<>();
  private final Map<String, Map<String, CircuitStatus>> circuits = new HashMap<>();
  private final Map<String, List<CircuitStatus>> transitions = new HashMap<>();
  private final Map<String, Held> held = new HashMap<>();
  private final TaskFactsMemo facts = new TaskFactsMemo();

  private record Held(String budget, Instant recheckAt) {}

  /** The retry asking: its task's labels, the rule its last failure matched, its number. */
  private record Asking(Map<String, String> labels, String lastFailedRule, int attempt) {}

  /** Where the tasks of a namespace are read from: the task controller's cache. */
  public void readTasksFrom(Function<String, Stream<DeadLetterTask>> tasksOfNamespace) {
    this.tasks = tasksOfNamespace;
    this.tasksBound = true;
  }

  /**
   * Whether the retry {@code attempt} of {@code task}, as Job {@code job}, may start now. When it
   * may, the token is taken: call {@link #release} if the Job is then not created.
   *
   * @param budgets the RetryBudgets of the task's namespace
   * @return the first hold, by budget name; empty when every budget that selects the task allows it
   */
  public synchronized Optional<BudgetHold> admit(
      DeadLetterTask task, int attempt, String job, List<RetryBudget> budgets, Instant now) {
    String taskKey = key(task);
    if (grants.containsKey(job)) {
      return Optional.empty(); // this pass's earlier try, whose create was not confirmed
    }
    Map<String, String> labels = labels(task);
    List<AttemptFact> own = AttemptFact.of(task);
    String lastFailedRule = own.isEmpty() ? null : own.get(own.size() - 1).failedRule();
    for (RetryBudget budget : sorted(budgets)) {
      Optional<EffectiveBudget> parsed = parse(budget);
      if (parsed.isEmpty() || !parsed.get().selects(labels)) {
        continue;
      }
      EffectiveBudget b = parsed.get();
      List<AttemptFact> attempts = attempts(b, task.getMetadata().getNamespace(), now, t -> {});
      Optional<BudgetHold> hold =
          holdFor(budget, b, attempts, new Asking(labels, lastFailedRule, attempt), now);
      if (hold.isPresent()) {
        held.put(taskKey, new Held(b.key(), hold.get().recheckAt()));
        return hold;
      }
    }
    held.remove(taskKey);
    grants.put(job, new Grant(taskKey, job, now, labels, lastFailedRule));
    return Optional.empty();
  }

  /**
   * The retry's Job was created: its token counts from now, not from when it was given, so that it
   * leaves the window no earlier than the API server's record of the create.
   */
  public synchronized void created(String job, Instant at) {
    grants.computeIfPresent(
        job, (j, g) -> new Grant(g.task(), g.job(), at, g.labels(), g.retryOf()));
  }

  /** The token of a retry whose Job was not created after all. */
  public synchronized void release(String job) {
    grants.remove(job);
  }

  /**
   * The budget counted now, its circuits judged (and remembered), and the circuits that changed
   * since the last report.
   */
  public synchronized BudgetReport report(RetryBudget budget, Instant now) {
    EffectiveBudget b = EffectiveBudget.of(budget);
    String namespace = budget.getMetadata().getNamespace();
    Set<String> selectedKeys = new HashSet<>();
    List<AttemptFact> attempts = attempts(b, namespace, now, t -> selectedKeys.add(key(t)));
    BudgetWindow window = BudgetWindow.count(b, attempts, now);
    List<CircuitStatus> judged = new ArrayList<>();
    b.circuitBreaker()
        .ifPresent(
            p -> {
              CircuitBreaker breaker = new CircuitBreaker(p);
              Map<String, CircuitStatus> states = states(budget);
              for (String k : breaker.keys(attempts, new ArrayList<>(states.keySet()), now)) {
                CircuitStatus s = judge(budget, breaker, k, attempts, now);
                if (breaker.forgettable(s, now)) {
                  states.remove(k);
                } else {
                  judged.add(s);
                }
              }
            });
    held.entrySet()
        .removeIf(
            e ->
                !selectedKeys.contains(e.getKey()) && e.getValue().budget().equals(b.key())
                    || now.isAfter(e.getValue().recheckAt().plus(Duration.ofMinutes(1))));
    int heldTasks = (int) held.values().stream().filter(h -> h.budget().equals(b.key())).count();
    List<CircuitStatus> changed = transitions.remove(uid(budget));
    return new BudgetReport(
        selectedKeys.size(), window, heldTasks, judged, changed == null ? List.of() : changed);
  }

  /** The tasks (name and namespace) whose retries the budget {@code namespace/name} holds back. */
  public synchronized List<Map.Entry<String, String>> heldBy(String budget) {
    return held.entrySet().stream()
        .filter(e -> e.getValue().budget().equals(budget))
        .map(
            e -> {
              String[] nsName = e.getKey().split("/", 2);
              return Map.entry(nsName[1], nsName[0]);
            })
        .toList();
  }

  /** How many tasks' facts are remembered: no more than the namespaces read lately hold. */
  synchronized int tasksRemembered() {
    return facts.size();
  }

  /** Whether the task cache is bound: before, a report would count nothing. */
  public boolean ready() {
    return tasksBound;
  }

  /** The circuit first (its reason says more), then the window, then the retries running. */
  private Optional<BudgetHold> holdFor(
      RetryBudget budget,
      EffectiveBudget b,
      List<AttemptFact> attempts,
      Asking asking,
      Instant now) {
    Optional<BudgetHold> circuit = circuitHold(budget, b, attempts, asking, now);
    int attempt = asking.attempt();
    if (circuit.isPresent()) {
      return circuit;
    }
    BudgetWindow window = BudgetWindow.count(b, attempts, now);
    if (window.spent()) {
      Instant recheck = window.nextToken().orElse(now.plus(RECHECK));
      return Optional.of(
          new BudgetHold(
              attempt,
              BudgetHold.BUDGET_EXHAUSTED,
              b.name(),
              "the retries it allows per %s are spent".formatted(GoDuration.format(b.window())),
              recheck));
    }
    if (b.maxConcurrentRetries().isPresent()
        && window.running() >= b.maxConcurrentRetries().getAsInt()) {
      return Optional.of(
          new BudgetHold(
              attempt,
              BudgetHold.BUDGET_EXHAUSTED,
              b.name(),
              "maxConcurrentRetries (%d) retries are running"
                  .formatted(b.maxConcurrentRetries().getAsInt()),
              now.plus(RECHECK)));
    }
    return Optional.empty();
  }

  private Optional<BudgetHold> circuitHold(
      RetryBudget budget,
      EffectiveBudget b,
      List<AttemptFact> attempts,
      Asking asking,
      Instant now) {
    if (b.circuitBreaker().isEmpty()) {
      return Optional.empty();
    }
    CircuitBreaker breaker = new CircuitBreaker(b.circuitBreaker().get());
    Optional<String> key = breaker.keyOfNextRetry(asking.labels(), asking.lastFailedRule());
    if (key.isEmpty()) {
      return Optional.empty();
    }
    CircuitStatus state = judge(budget, breaker, key.get(), attempts, now);
    if (breaker.admits(state, attempts)) {
      return Optional.empty();
    }
    boolean open = state.getState() == CircuitStatus.State.Open;
    Instant until = Timestamps.parse(state.getUntil());
    return Optional.of(
        new BudgetHold(
            asking.attempt(),
            BudgetHold.CIRCUIT_OPEN,
            b.name(),
            open
                ? "circuit %s is open until %s".formatted(key.get(), state.getUntil())
                : "circuit %s is half-open and its probes are running".formatted(key.get()),
            open && until != null ? until.plusMillis(1) : now.plus(RECHECK)));
  }

  /** Judges the circuit, remembers its state, and notes a change of state for an Event. */
  private CircuitStatus judge(
      RetryBudget budget,
      CircuitBreaker breaker,
      String key,
      List<AttemptFact> attempts,
      Instant now) {
    Map<String, CircuitStatus> states = states(budget);
    CircuitStatus before = states.get(key);
    CircuitStatus after = breaker.judge(key, before, attempts, now);
    states.put(key, after);
    CircuitStatus.State was = before == null ? CircuitStatus.State.Closed : before.getState();
    if (after.getState() != was
        || (was == CircuitStatus.State.Open && !after.getSince().equals(before.getSince()))) {
      transitions.computeIfAbsent(uid(budget), u -> new ArrayList<>()).add(after);
    }
    return after;
  }

  /** The circuits' live states; on first sight, as the budget's status last recorded them. */
  private Map<String, CircuitStatus> states(RetryBudget budget) {
    return circuits.computeIfAbsent(
        uid(budget),
        u -> {
          Map<String, CircuitStatus> seeded = new LinkedHashMap<>();
          if (budget.getStatus() != null) {
            budget.getStatus().getCircuits().forEach(c -> seeded.put(c.getKey(), c));
          }
          return seeded;
        });
  }

  /**
   * The attempts of the tasks the budget selects, from their statuses, with the grants their
   * statuses do not show yet. Grants whose attempt is recorded, or whose task is gone, go.
   *
   * <p>One read of the namespace's tasks; each task's facts come from {@link #facts}, parsed once
   * per version of the task. A Job's name is its task's name and the attempt's number, so no Job is
   * in two tasks' facts, and each task's facts are already one per Job.
   *
   * @param selected called with each task the budget selects
   */
  private List<AttemptFact> attempts(
      EffectiveBudget b, String namespace, Instant now, Consumer<DeadLetterTask> selected) {
    String prefix = namespace + "/";
    Map<String, List<Grant>> grantsByTask = new HashMap<>();
    grants.values().stream()
        .filter(g -> g.task().startsWith(prefix))
        .forEach(g -> grantsByTask.computeIfAbsent(g.task(), k -> new ArrayList<>()).add(g));
    List<AttemptFact> attempts = new ArrayList<>();
    Set<String> granteesPresent = new HashSet<>();
    Map<String, List<AttemptFact>> granteeFacts = new HashMap<>();
    TaskFactsMemo.Pass pass = facts.pass(namespace, now);
    tasks
        .apply(namespace)
        .forEach(
            t -> {
              String key = grantsByTask.isEmpty() ? null : key(t);
              boolean grantee = key != null && grantsByTask.containsKey(key);
              if (grantee) {
                granteesPresent.add(key);
              }
              if (!b.selects(labels(t))) {
                pass.saw(t);
                return;
              }
              selected.accept(t);
              List<AttemptFact> own = pass.facts(t);
              if (grantee) {
                granteeFacts.put(key, own); // completed with its grants below
              } else {
                attempts.addAll(own);
              }
            });
    pass.end();
    grants
        .values()
        .removeIf(
            g ->
                g.task().startsWith(prefix)
                    && (!granteesPresent.contains(g.task())
                        || job(granteeFacts.get(g.task()), g.job())
                            .map(AttemptFact::finished)
                            .orElse(false)
                        || g.at().isBefore(now.minus(GRANT_LIMIT))));
    for (Map.Entry<String, List<Grant>> e : grantsByTask.entrySet()) {
      List<AttemptFact> own = new ArrayList<>(granteeFacts.getOrDefault(e.getKey(), List.of()));
      for (Grant g : e.getValue()) {
        if (!grants.containsKey(g.job()) || !b.selects(g.labels())) {
          continue;
        }
        int seen = indexOfJob(own, g.job());
        if (seen < 0) {
          own.add(g.asFact());
        } else if (own.get(seen).start() == null) {
          own.set(seen, own.get(seen).startedAt(g.at()));
        }
      }
      attempts.addAll(own);
    }
    return attempts;
  }

  private static Optional<AttemptFact> job(List<AttemptFact> facts, String job) {
    int i = facts == null ? -1 : indexOfJob(facts, job);
    return i < 0 ? Optional.empty() : Optional.of(facts.get(i));
  }

  private static int indexOfJob(List<AttemptFact> facts, String job) {
    for (int i = 0; i < facts.size(); i++) {
      if (job.equals(facts.get(i).job())) {
        return i;
      }
    }
    return -1;
  }

  private static Optional<EffectiveBudget> parse(RetryBudget budget) {
    try {
      return Optional.of(EffectiveBudget.of(budget));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // the budget's own status says why; it holds nothing back
    }
  }

  private static List<RetryBudget> sorted(List<RetryBudget> budgets) {
    return budgets.stream()
        .sorted(Comparator.comparing((RetryBudget b) -> b.getMetadata().getName()))
        .toList();
  }

  private static String uid(RetryBudget budget) {
    String uid = budget.getMetadata().getUid();
    return uid != null
        ? uid
        : budget.getMetadata().getNamespace() + "/" + budget.getMetadata().getName();
  }

  private static String key(DeadLetterTask t) {
    return t.getMetadata().getNamespace() + "/" + t.getMetadata().getName();
  }

  private static Map<String, String> labels(DeadLetterTask t) {
    return t.getMetadata().getLabels() == null ? Map.of() : t.getMetadata().getLabels();
  }
}
