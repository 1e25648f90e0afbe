package dev.deadletter.operator;

import dev.deadletter.budget.RetryBudgetLedger;
import dev.deadletter.capture.CaptureReconciler;
import dev.deadletter.capture.TaskSelector;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.jobs.Leadership;
import dev.deadletter.metrics.BudgetMetrics;
import dev.deadletter.metrics.RedriveMetrics;
import dev.deadletter.metrics.TaskMetrics;
import dev.deadletter.observe.AttemptCaches;
import dev.deadletter.observe.TrimmingItemStore;
import dev.deadletter.reconciler.DeadLetterRedriveReconciler;
import dev.deadletter.reconciler.DeadLetterTaskReconciler;
import dev.deadletter.reconciler.RetryBudgetReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the JOSDK operator: the reconciler, its metrics, and leader election when configured. */
public final class OperatorFactory {

  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  /** The longest JOSDK waits before running a failed reconcile again. */
  static final Duration MAX_RETRY_INTERVAL = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(OperatorFactory.class);

  private OperatorFactory() {}

  /** Without leader election, which needs a {@link LeaseGuard} on the client (see Main). */
  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      MeterRegistry registry,
      Runnable onLeaseLost) {
    return create(client, config, clock, registry, null, onLeaseLost);
  }

  /**
   * @param leaseGuard with leader election: an interceptor of {@code client}, asked before each
   *     attempt Job create and deletion; null without
   * @param onLeaseLost runs when this replica loses the Lease it held; it must stop the process,
   *     since JOSDK cannot restart its controllers and a replica that went on reconciling would
   *     race the new leader
   */
  static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      MeterRegistry registry,
      LeaseGuard leaseGuard,
      Runnable onLeaseLost) {
    if (config.leaderElection() && leaseGuard == null) {
      throw new IllegalArgumentException(
          "leader election needs a LeaseGuard among the client's interceptors");
    }
    String identity = leaseGuard == null ? config.identity() : leaseGuard.identity();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  // The same number of threads, but one FIFO lane per namespace served round-robin:
                  // a namespace with thousands of due tasks cannot starve the others.
                  .withExecutorService(FairExecutor.byNamespace(config.reconcileThreads()))
                  .withReconciliationTerminationTimeout(config.shutdownTimeout())
                  // No deep copy of each resource before its reconcile: nothing here mutates one.
                  .withResourceCloner(
                      config.checkCacheMutations()
                          ? CacheMutationCheck.checking(client.getKubernetesSerialization())
                          : CacheMutationCheck.NO_COPY)
                  // Per-resource meters would make a label out of every task name: keep them off.
                  .withMetrics(
                      MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                          .notCollectingMetricsPerResource()
                          .build());
              if (config.leaderElection()) {
                // exitOnStopLeading=false: JOSDK's own exit would call System.exit inside our
                // shutdown hook and hang.
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        config.leaseName(),
                        config.leaseNamespace(),
                        LEASE_DURATION,
                        RENEW_DEADLINE,
                        RETRY_PERIOD,
                        identity,
                        new LeaderCallbacks(
                            () -> log.info("became leader as {}", identity),
                            onLeaseLost,
                            leader -> {
                              log.info("the leader is {}", leader);
                              leaseGuard.leaderIs(leader);
                            }),
                        false));
              }
            });
    var events = new TaskEventRecorder(client, clock, identity);
    if (config.crashPoints().armed()) {
      log.warn("crash points armed for testing: {}", config.crashPoints());
    }
    var budgets = new RetryBudgetLedger();
    operator.register(
        new DeadLetterTaskReconciler(
            clock,
            events,
            new TaskMetrics(registry),
            config.crashPoints(),
            leaseGuard == null ? Leadership.ALWAYS : leaseGuard,
            config.gateKinds(),
            budgets),
        o -> {
          o.withRetry(reconcileRetry());
          if (!config.watchNamespaces().isEmpty()) {
            o.settingNamespaces(config.watchNamespaces());
          }
          if (!config.taskLabelSelector().isEmpty()) {
            o.withLabelSelector(config.taskLabelSelector());
          }
          // All namespaces or one: one informer (TrimmingItemStore#fitsOneInformer).
          if (config.watchNamespaces().size() <= 1) {
            o.withItemStore(TrimmingItemStore.forTasks());
          }
          o.withInformerListLimit(AttemptCaches.LIST_PAGE);
        });
    if (reportsBudgets(config)) {
      operator.register(
          new RetryBudgetReconciler(clock, budgets, events, new BudgetMetrics(registry)),
          o -> {
            o.withRetry(reconcileRetry());
            if (!config.watchNamespaces().isEmpty()) {
              o.settingNamespaces(config.watchNamespaces());
            }
          });
    }
    if (runsRedrives(config)) {
      operator.register(
          new DeadLetterRedriveReconciler(clock, events, new RedriveMetrics(registry)),
          o -> {
            o.withRetry(reconcileRetry());
            if (!config.watchNamespaces().isEmpty()) {
              o.settingNamespaces(config.watchNamespaces());
            }
          });
    }
    if (config.capture()) {
      operator.register(
          new CaptureReconciler(
              events,
              config.captureDefaultPolicy(),
              config.captureLabelledNamespaces(),
              TaskSelector.parse(config.taskLabelSelector())),
          o -> {
            o.withRetry(reconcileRetry());
            if (!config.watchNamespaces().isEmpty()) {
              o.settingNamespaces(config.watchNamespaces());
            }
            if (config.captureLabelledNamespaces()) {
              o.withLabelSelector(CaptureReconciler.ALL_BUT_ATTEMPTS_SELECTOR);
            }
          });
    }
    return operator;
  }

  /**
   * Every install enforces RetryBudgets (the CRD must be installed); with shards, each shard
   * enforces them over its own tasks, and none writes a budget's status, since each would write a
   * different count.
   */
  private static boolean reportsBudgets(OperatorConfig config) {
    if (!config.taskLabelSelector().isEmpty()) {
      log.info("RetryBudget status is not written: TASK_LABEL_SELECTOR runs a shard");
      return false;
    }
    return true;
  }

  /**
   * Bulk redrives need the DeadLetterRedrive CRD (the chart installs it; `kubectl apply -f crds/`
   * otherwise). They run only in an install that runs every task: with shards (TASK_LABEL_SELECTOR)
   * each shard would write the same redrive's status.
   */
  private static boolean runsRedrives(OperatorConfig config) {
    if (!config.taskLabelSelector().isEmpty()) {
      log.info("bulk redrives (DeadLetterRedrive) are off: TASK_LABEL_SELECTOR runs a shard");
      return false;
    }
    return true;
  }

  /**
   * How JOSDK runs a reconcile again after it threw (an API outage, a 5xx, a reset connection).
   * Never gives up: JOSDK's default stops after 5 attempts, and a task whose retry was due then
   * waited for the 10-minute maxReconciliationInterval after the API server came back. Exponential
   * up to a minute, so a long outage costs one attempt a minute per failing resource, and the
   * client's rate limiter bounds the burst when it ends.
   */
  static Retry reconcileRetry() {
    return new GenericRetry()
        .setInitialInterval(Duration.ofSeconds(1))
        .setIntervalMultiplier(2)
        .setMaxInterval(MAX_RETRY_INTERVAL.toMillis())
        .withoutMaxAttempts();
  }
}
