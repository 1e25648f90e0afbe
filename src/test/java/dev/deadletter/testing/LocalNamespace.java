package dev.deadletter.testing;

import dev.deadletter.operator.Main;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A namespace of its own on the local cluster for one end-to-end test class, with the CRD installed
 * and, if asked, the operator running in-process for that namespace. Register it as a static field
 * with {@code @RegisterExtension}; the namespace is deleted after the class.
 */
public final class LocalNamespace implements BeforeAllCallback, AfterAllCallback {

  private final String prefix;
  private final boolean runOperator;
  private KubernetesClient client;
  private String name;
  private Operator operator;

  private LocalNamespace(String prefix, boolean runOperator) {
    this.prefix = prefix;
    this.runOperator = runOperator;
  }

  /** Only the namespace: for tests that run the operator themselves (e.g. as a process). */
  public static LocalNamespace of(String prefix) {
    return new LocalNamespace(prefix, false);
  }

  /** The namespace and an in-process operator watching it. */
  public static LocalNamespace withOperator(String prefix) {
    return new LocalNamespace(prefix, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    client = LocalCluster.connect();
    LocalCluster.installCrd(client);
    name = LocalCluster.createNamespace(client, prefix);
    if (runOperator) {
      operator = Main.start(client, Set.of(name), Clock.systemUTC());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (operator != null) {
      operator.stop();
    }
    if (client != null) {
      client.namespaces().withName(name).delete();
      client.close();
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public String name() {
    return name;
  }
}
