// What receiving the operator's watch events costs, without the operator (issue 17, goal 1).
//
// bench.py starts one of these per mode beside a throughput batch (--probes) and samples its CPU like the
// operator's, so the CPU per attempt of each mode sits beside the operator's in the same batch:
//
//   java -cp deadletter-operator.jar bench/WatchFloor.java MODE NAMESPACE TASK_SELECTOR
//
// Each mode watches what the operator watches in the namespace: its tasks (TASK_SELECTOR), the attempt Jobs and
// the failed attempt pods (label deadletter.dev/task). Nothing is reconciled, written or cached beyond what the
// informer keeps.
//   raw              the three watches read as bytes and not parsed: the HTTP and TLS floor
//   generic          Fabric8 informers parsing into GenericKubernetesResource (nested maps)
//   typed            Fabric8 informers parsing into the typed model with the operator's own mapping
//                    (LeanSerialization: no managedFields, a pod's spec reduced to its node and sidecars)
//   typed-nojobspec  the same, and a Job's spec skipped unparsed: what a lean Job model would save
// It prints "ready" once it watches, and on SIGTERM the events and bytes it received.
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.operator.LeanSerialization;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

public class WatchFloor {

  static final String ATTEMPT_LABEL = "deadletter.dev/task";
  static final AtomicLong events = new AtomicLong();
  static final AtomicLong bytes = new AtomicLong();

  public static void main(String[] args) throws Exception {
    String mode = args[0], ns = args[1], taskSelector = args[2];
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> System.out.println("events " + events.get() + " bytes " + bytes.get())));
    KubernetesClient client =
        new KubernetesClientBuilder().withKubernetesSerialization(serialization(mode)).build();
    switch (mode) {
      case "raw" -> {
        String sel = "labelSelector=" + URLEncoder.encode(ATTEMPT_LABEL, StandardCharsets.UTF_8);
        raw(client, "apis/deadletter.dev/v1alpha1/namespaces/" + ns + "/deadlettertasks?labelSelector="
            + URLEncoder.encode(taskSelector, StandardCharsets.UTF_8));
        raw(client, "apis/batch/v1/namespaces/" + ns + "/jobs?" + sel);
        raw(client, "api/v1/namespaces/" + ns + "/pods?" + sel + "&fieldSelector=status.phase%3DFailed");
      }
      case "generic" -> {
        client.genericKubernetesResources(context("deadletter.dev", "v1alpha1", "DeadLetterTask", "deadlettertasks"))
            .inNamespace(ns).withLabelSelector(taskSelector).inform(counting());
        client.genericKubernetesResources(context("batch", "v1", "Job", "jobs"))
            .inNamespace(ns).withLabel(ATTEMPT_LABEL).inform(counting());
        client.genericKubernetesResources(context("", "v1", "Pod", "pods"))
            .inNamespace(ns).withLabel(ATTEMPT_LABEL).withField("status.phase", "Failed").inform(counting());
      }
      case "typed", "typed-nojobspec" -> {
        client.resources(DeadLetterTask.class).inNamespace(ns).withLabelSelector(taskSelector).inform(counting());
        client.batch().v1().jobs().inNamespace(ns).withLabel(ATTEMPT_LABEL).inform(counting());
        client.pods().inNamespace(ns).withLabel(ATTEMPT_LABEL).withField("status.phase", "Failed")
            .inform(counting());
      }
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
    System.out.println("ready");
    Thread.currentThread().join();
  }

  static KubernetesSerialization serialization(String mode) throws ReflectiveOperationException {
    KubernetesSerialization lean = LeanSerialization.create();
    if (mode.equals("typed-nojobspec")) {
      // The mapper is package-private in Fabric8; a benchmark may reach it, the operator does not.
      Method getMapper = KubernetesSerialization.class.getDeclaredMethod("getMapper");
      getMapper.setAccessible(true);
      ((ObjectMapper) getMapper.invoke(lean)).addMixIn(Job.class, WithoutSpec.class);
    }
    return lean;
  }

  @JsonIgnoreProperties(value = "spec", allowGetters = true)
  interface WithoutSpec {}

  static <T extends HasMetadata> ResourceEventHandler<T> counting() {
    return new ResourceEventHandler<>() {
      public void onAdd(T obj) {
        events.incrementAndGet();
      }

      public void onUpdate(T oldObj, T newObj) {
        events.incrementAndGet();
      }

      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        events.incrementAndGet();
      }
    };
  }

  static ResourceDefinitionContext context(String group, String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group).withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true).build();
  }

  /** One watch for an hour, its bytes counted and its events (one JSON line each) counted by newline. */
  static void raw(KubernetesClient client, String path) {
    HttpClient http = client.getHttpClient();
    URI uri = URI.create(client.getMasterUrl().toString()).resolve("/" + path + "&watch=true&timeoutSeconds=3600");
    http.consumeBytes(
            http.newHttpRequestBuilder().uri(uri).build(),
            (buffers, body) -> {
              for (ByteBuffer b : buffers) {
                bytes.addAndGet(b.remaining());
                for (int i = b.position(); i < b.limit(); i++) {
                  if (b.get(i) == '\n') {
                    events.incrementAndGet();
                  }
                }
              }
              body.consume();
            })
        .thenAccept(response -> response.body().consume());
  }
}
