package dev.deadletter.operator;

import dev.deadletter.reconciler.DeadLetterTaskReconciler;
import dev.deadletter.reconciler.TaskEventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the operator against the cluster of the usual kubeconfig or in-cluster configuration. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    Set<String> namespaces = namespaces(System.getenv("WATCH_NAMESPACES"));
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = start(client, namespaces, Clock.systemUTC());
    operator.installShutdownHook(Duration.ofSeconds(30));
    log.info("deadletter-operator started against {}, watching {}", client.getMasterUrl(),
        namespaces.isEmpty() ? "all namespaces" : namespaces);
  }

  /** Builds, registers and starts the operator; also used by tests to run it in-process. */
  public static Operator start(KubernetesClient client, Set<String> namespaces, Clock clock) {
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    var events = new TaskEventRecorder(client, clock, instanceName());
    operator.register(
        new DeadLetterTaskReconciler(clock, events),
        o -> {
          if (!namespaces.isEmpty()) {
            o.settingNamespaces(namespaces);
          }
        });
    operator.start();
    return operator;
  }

  static Set<String> namespaces(String value) {
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  private static String instanceName() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? "deadletter-operator" : host;
  }
}
