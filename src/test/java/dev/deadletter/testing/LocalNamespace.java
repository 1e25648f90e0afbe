package dev.deadletter.testing;

import static org.awaitility.Awaitility.await;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.operator.CacheMutationCheck;
import dev.deadletter.operator.Main;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A namespace of its own for a test class, with the CRD installed and, if asked, the operator
 * running in-process for that namespace. Register it with {@code @RegisterExtension}: on a static
 * field it serves the whole class, on an instance field each test gets a new one. The namespace is
 * deleted, and the operator stopped, after them.
 *
 * <p>By default on the local cluster of $KUBECONFIG (end-to-end tests); {@link #on} puts it on the
 * API server of kube-api-test ({@code @EnableKubeAPIServer}, integration tests).
 */
public final class LocalNamespace
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final String prefix;
  private final boolean runOperator;
  private final Map<String, String> settings = new HashMap<>();
  private final Map<String, String> labels = new HashMap<>();
  private Supplier<KubernetesClient> apiServer;
  private boolean perClass;
  private KubernetesClient client;
  private String name;
  private Operator operator;

  private LocalNamespace(String prefix, boolean runOperator) {
    this.prefix = prefix;
    this.runOperator = runOperator;
    // The in-process operator, too, stops the JVM if a reconciler changes a cached object.
    settings.put(CacheMutationCheck.ENV, "true");
  }

  /** Only the namespace: for tests that run the operator themselves (e.g. as a process). */
  public static LocalNamespace of(String prefix) {
    return new LocalNamespace(prefix, false);
  }

  /** The namespace and an in-process operator watching it. */
  public static LocalNamespace withOperator(String prefix) {
    return new LocalNamespace(prefix, true);
  }

  /**
   * On the API server this client reaches (kube-api-test injects it into the test class's static
   * field before this runs), not the local cluster. Such a server has no controllers: nothing
   * creates the namespace's default ServiceAccount, and no Job makes a pod.
   */
  public LocalNamespace on(Supplier<KubernetesClient> client) {
    apiServer = client;
    return this;
  }

  /** A setting of the in-process operator (an environment variable of {@code OperatorConfig}). */
  public LocalNamespace setting(String variable, String value) {
    settings.put(variable, value);
    return this;
  }

  public LocalNamespace label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    setUp();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      setUp();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      tearDown();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    tearDown();
  }

  private void setUp() {
    client = apiServer == null ? LocalCluster.connect() : apiServer.get();
    LocalCluster.installCrd(client);
    name =
        prefix + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    if (apiServer == null) {
      // Pods are admitted only once the ServiceAccount controller has made it.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> client.serviceAccounts().inNamespace(name).withName("default").get() != null);
    }
    if (runOperator) {
      startOperator();
    }
  }

  /**
   * Starts the in-process operator for this namespace, for tests that set up what it finds first;
   * it stops with the namespace.
   */
  public Operator startOperator() {
    if (operator == null) {
      Map<String, String> env = new HashMap<>(settings);
      env.put("WATCH_NAMESPACES", name);
      operator = Main.start(client, env, Clock.systemUTC());
    }
    return operator;
  }

  private void tearDown() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
    if (client != null) {
      client.namespaces().withName(name).delete();
      if (apiServer == null) {
        client.close();
      }
      client = null;
    }
  }

  public KubernetesClient client() {
    return client;
  }

  /** The task once it has a status for which {@code condition} holds; waits at most 90 s. */
  public DeadLetterTask awaitTask(String task, Predicate<DeadLetterTask> condition) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> client.resources(DeadLetterTask.class).inNamespace(name).withName(task).get(),
            t -> t != null && t.getStatus() != null && condition.test(t));
  }

  public String name() {
    return name;
  }
}
