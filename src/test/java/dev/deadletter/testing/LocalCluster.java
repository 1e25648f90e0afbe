package dev.deadletter.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryBudget;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The cluster of $KUBECONFIG, normally the local one started by hack/cluster.sh (hack/test.sh
 * exports it). End-to-end tests fail, not skip, when it is not there: a skipped E2E tier would look
 * green.
 */
public final class LocalCluster {

  public static final Path CRD = Path.of("crds/deadlettertasks.deadletter.dev-v1.yml");
  public static final Path REDRIVE_CRD = Path.of("crds/deadletterredrives.deadletter.dev-v1.yml");
  public static final Path BUDGET_CRD = Path.of("crds/retrybudgets.deadletter.dev-v1.yml");

  private LocalCluster() {}

  public static KubernetesClient connect() {
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      client.getKubernetesVersion();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException(
          "no Kubernetes API at "
              + client.getMasterUrl()
              + ": run the tests with hack/test.sh, or start the cluster with hack/cluster.sh up and"
              + " eval \"$(hack/cluster.sh env)\"",
          e);
    }
    return client;
  }

  /** Applies the committed CRDs (server-side) and waits until they are served. */
  public static void installCrd(KubernetesClient client) {
    install(client, CRD, DeadLetterTask.class);
    install(client, REDRIVE_CRD, DeadLetterRedrive.class);
    install(client, BUDGET_CRD, RetryBudget.class);
  }

  private static void install(
      KubernetesClient client, Path file, Class<? extends HasMetadata> kind) {
    try (InputStream in = Files.newInputStream(file)) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).forceConflicts().serverSideApply();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                try {
                  client.resources(kind).inAnyNamespace().list();
                  return true;
                } catch (KubernetesClientException e) {
                  return false;
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  /**
   * The API server's audit log of Job creates and deletes (hack/cluster/audit-policy.yaml), which
   * the local cluster writes beside its kubeconfig.
   */
  public static Path auditLog() {
    String kubeconfig = System.getenv("KUBECONFIG");
    Path log =
        kubeconfig == null
            ? null
            : Path.of(kubeconfig).toAbsolutePath().getParent().resolve("logs/audit.log");
    if (log == null || !Files.exists(log)) {
      throw new IllegalStateException(
          "no audit log next to KUBECONFIG="
              + kubeconfig
              + ": this test needs the local cluster of hack/cluster.sh");
    }
    return log;
  }

  /**
   * Job name to what its creates made in a namespace, from the audit log: it sees creates of Jobs
   * that were deleted since, which listing Jobs cannot. Only names that were, or may have been,
   * created are in the map; {@link AuditedCreates} says how a create whose answer was lost counts.
   */
  public static Map<String, AuditedCreates> jobCreates(String namespace) {
    ObjectMapper json = new ObjectMapper();
    Map<String, List<AuditedCreates.Answer>> answers;
    try {
      answers =
          Files.readAllLines(auditLog()).stream()
              .map(
                  line -> {
                    try {
                      return json.readTree(line);
                    } catch (IOException e) {
                      throw new IllegalStateException("not an audit event: " + line, e);
                    }
                  })
              .filter(
                  e ->
                      "jobs".equals(e.path("objectRef").path("resource").asText())
                          && namespace.equals(e.path("objectRef").path("namespace").asText()))
              .collect(
                  Collectors.groupingBy(
                      e -> e.path("objectRef").path("name").asText(),
                      Collectors.mapping(
                          e ->
                              new AuditedCreates.Answer(
                                  e.path("verb").asText(),
                                  e.path("responseStatus").path("code").asInt()),
                          Collectors.toList())));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the audit log", e);
    }
    Map<String, AuditedCreates> creates = new HashMap<>();
    answers.forEach(
        (job, list) -> {
          AuditedCreates c = AuditedCreates.of(list);
          if (c.atMost() > 0) {
            creates.put(job, c);
          }
        });
    return creates;
  }
}
