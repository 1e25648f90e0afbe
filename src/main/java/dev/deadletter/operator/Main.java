package dev.deadletter.operator;

import dev.deadletter.jobs.Leadership;
import dev.deadletter.policy.GoDuration;
import dev.deadletter.policy.TokenBucket;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.TokenRefreshInterceptor;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process: configuration, logging, the Kubernetes client, the operator, its HTTP endpoints and
 * an orderly shutdown. Exit status 2 means invalid configuration.
 */
public final class Main {

  static {
    // First, before anything touches CompletableFuture, whose async pool is chosen once.
    JvmSettings.applyCommonPoolParallelism();
  }

  /**
   * How long an exit after a lost Lease may take before the process halts: the shutdown hook then
   * only closes the HTTP server and the client, but nothing else may hold the exit up either.
   */
  static final Duration EXIT_BOUND = Duration.ofSeconds(2);

  /** How often the renew deadline of a held Lease is checked. */
  static final Duration LEASE_CHECK = Duration.ofMillis(200);

  private Main() {}

  public static void main(String[] args) {
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnv(System.getenv());
    } catch (OperatorConfig.InvalidConfigException e) {
      System.err.println("deadletter-operator: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config); // before the first logger is created
    Logger log = LoggerFactory.getLogger(Main.class);
    try {
      run(config, log);
    } catch (Exception e) {
      log.error("could not start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  private static void run(OperatorConfig config, Logger log) throws Exception {
    LeaseGuard leaseGuard =
        config.leaderElection()
            ? new LeaseGuard(
                config.identity(),
                config.leaseNamespace(),
                config.leaseName(),
                OperatorFactory.RENEW_DEADLINE,
                Clock.systemUTC())
            : null;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Config kubeConfig = new ConfigBuilder().build(); // what KubernetesClientBuilder would build

    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(kubeConfig)
            .withKubernetesSerialization(LeanSerialization.create())
            .withHttpClientBuilderConsumer(
                b -> {
                  if (!TokenRefresh.needed(kubeConfig)) {
                    b.addOrReplaceInterceptor(TokenRefreshInterceptor.NAME, TokenRefresh.NONE);
                  }
                  b.addOrReplaceInterceptor(
                      RateLimitInterceptor.NAME,
                      new RateLimitInterceptor(
                          new TokenBucket(config.clientQps(), config.clientBurst())));
                  if (leaseGuard != null) {
                    b.addOrReplaceInterceptor(LeaseGuard.NAME, leaseGuard);
                  }
                  b.addOrReplaceInterceptor(
                      ApiRequestMetrics.NAME, new ApiRequestMetrics(registry));
                })
            .build();
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);

    AtomicBoolean shuttingDown = new AtomicBoolean();
    AtomicBoolean leaseLost = new AtomicBoolean();
    Operator operator =
        OperatorFactory.create(
            client,
            config,
            Clock.systemUTC(),
            registry,
            leaseGuard,
            () -> {
              if (!shuttingDown.get()) {
                exitAtOnce(leaseGuard, leaseLost, log, "lost the leader Lease");
              }
            });
    if (leaseGuard != null) {
      // The elector notices a lost Lease only once a renewal fails, which can take the request
      // timeout and the client's retries when the API server is out of reach: the renew deadline,
      // on this clock, is the limit.
      ScheduledExecutorService watch =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lease-deadline");
                t.setDaemon(true);
                return t;
              });
      watch.scheduleWithFixedDelay(
          () -> {
            if (leaseGuard.expired()) {
              exitAtOnce(
                  leaseGuard,
                  leaseLost,
                  log,
                  "could not renew the leader Lease within its renew deadline ("
                      + GoDuration.format(OperatorFactory.RENEW_DEADLINE)
                      + "), so another replica may soon take it over");
            }
          },
          LEASE_CHECK.toMillis(),
          LEASE_CHECK.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    OperatorHealth health =
        new OperatorHealth(
            () -> operator.getRuntimeInfo().isStarted(),
            () -> operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            Clock.systemUTC(),
            OperatorHealth.LIVENESS_GRACE);
    OperatorGauges.register(registry, health, leaseGuard == null ? Leadership.ALWAYS : leaseGuard);
    OperatorHttpServer http =
        config.httpPort() == 0 ? null : new OperatorHttpServer(config.httpPort(), registry, health);

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shuttingDown.set(true);
                  if (leaseLost.get()) {
                    // Whatever still runs may act as the leader no more (the guard says no):
                    // nothing to wait for.
                    log.info("stopping without waiting for running reconciles");
                  } else {
                    log.info(
                        "stopping: waiting up to {} for running reconciles",
                        GoDuration.format(config.shutdownTimeout()));
                    operator.stop();
                  }
                  if (http != null) {
                    http.close();
                  }
                  client.close();
                  log.info("stopped");
                },
                "shutdown"));
    operator.start();
    log.info(
        "started against {} watching {}{}{}",
        client.getMasterUrl(),
        config.watchNamespaces().isEmpty() ? "all namespaces" : config.watchNamespaces(),
        config.leaderElection()
            ? ", leader election on Lease " + config.leaseNamespace() + "/" + config.leaseName()
            : "",
        http == null ? "" : ", metrics and probes on :" + http.port());
  }

  /**
   * Ends the process soon after this replica lost its Lease, or may have: from now on the guard
   * lets no create or deletion through, the shutdown hook does not wait for running reconciles, and
   * if the exit still takes longer than {@link #EXIT_BOUND} the process halts.
   */
  private static void exitAtOnce(
      LeaseGuard leaseGuard, AtomicBoolean leaseLost, Logger log, String why) {
    if (leaseGuard != null) {
      leaseGuard.revoke();
    }
    if (!leaseLost.compareAndSet(false, true)) {
      return;
    }
    log.error("{}: exiting at once so that no two replicas reconcile at once", why);
    Thread halt =
        new Thread(
            () -> {
              try {
                Thread.sleep(EXIT_BOUND.toMillis());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Runtime.getRuntime().halt(1);
            },
            "halt-after-lease-loss");
    halt.setDaemon(true);
    halt.start();
    // From a fresh thread: System.exit runs the shutdown hook, which must not wait on the caller
    // (an elector or watch thread). During a SIGTERM shutdown it blocks, and the halt ends it.
    new Thread(() -> System.exit(1), "exit-after-lease-loss").start();
  }

  /** Starts an operator in this process for the given namespaces, with defaults; for tests. */
  public static Operator start(KubernetesClient client, Set<String> namespaces, Clock clock) {
    return start(
        client,
        namespaces.isEmpty() ? Map.of() : Map.of("WATCH_NAMESPACES", String.join(",", namespaces)),
        clock);
  }

  /**
   * Starts an operator in this process with these settings (as environment variables); for tests.
   */
  public static Operator start(KubernetesClient client, Map<String, String> settings, Clock clock) {
    Operator operator =
        OperatorFactory.create(
            client, OperatorConfig.fromEnv(settings), clock, new SimpleMeterRegistry(), () -> {});
    operator.start();
    return operator;
  }
}
