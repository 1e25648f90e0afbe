package dev.deadletter.operator;

import dev.deadletter.policy.GoDuration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process: configuration, logging, the Kubernetes client, the operator, its HTTP endpoints and
 * an orderly shutdown. Exit status 2 means invalid configuration.
 */
public final class Main {

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
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withKubernetesSerialization(LeanSerialization.create())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        RateLimitInterceptor.NAME,
                        new RateLimitInterceptor(
                            new TokenBucket(
                                config.clientQps(), config.clientBurst(), System::nanoTime))))
            .build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);

    AtomicBoolean shuttingDown = new AtomicBoolean();
    Operator operator =
        OperatorFactory.create(
            client,
            config,
            Clock.systemUTC(),
            registry,
            () -> {
              if (!shuttingDown.get()) {
                log.error(
                    "lost the leader Lease: exiting so that no two replicas reconcile at once");
                // From a fresh thread: System.exit runs the shutdown hook, which must not wait on
                // this callback.
                new Thread(() -> System.exit(1), "exit-after-lease-loss").start();
              }
            });
    OperatorHealth health =
        new OperatorHealth(
            () -> operator.getRuntimeInfo().isStarted(),
            () -> operator.getRuntimeInfo().allEventSourcesAreHealthy(),
            Clock.systemUTC(),
            OperatorHealth.LIVENESS_GRACE);
    OperatorHttpServer http =
        config.httpPort() == 0 ? null : new OperatorHttpServer(config.httpPort(), registry, health);

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shuttingDown.set(true);
                  log.info(
                      "stopping: waiting up to {} for running reconciles",
                      GoDuration.format(config.shutdownTimeout()));
                  operator.stop();
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
