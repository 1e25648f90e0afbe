package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.api.v1alpha1.RetryGate;
import dev.deadletter.policy.GateState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The objects retry gates name. One informer per configured kind, in the controller's namespaces; a
 * change of a watched object wakes the tasks whose gates name it (an index of tasks by gate), so a
 * retry starts as soon as its dependency is back.
 */
public final class GateObserver {

  static final String BY_GATE = "by-gate";

  private final List<GateKind> allowed;
  private final Map<GateKind, InformerEventSource<GenericKubernetesResource, DeadLetterTask>>
      sources = new HashMap<>();

  public GateObserver(List<GateKind> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  public List<EventSource<?, DeadLetterTask>> prepareEventSources(
      EventSourceContext<DeadLetterTask> context) {
    if (allowed.isEmpty()) {
      return List.of();
    }
    var tasks = context.getPrimaryCache();
    boolean oneInformer =
        TrimmingItemStore.fitsOneInformer(
            context.getControllerConfiguration().getEffectiveNamespaces());
    tasks.addIndexer(BY_GATE, GateObserver::gateKeys);
    for (GateKind kind : allowed) {
      var config =
          InformerEventSourceConfiguration.from(
                  new GroupVersionKind(kind.apiVersion(), kind.kind()), DeadLetterTask.class)
              .withName("gate-" + kind.apiVersion().replace('/', '-') + "-" + kind.kind())
              .withSecondaryToPrimaryMapper(
                  object ->
                      tasks.byIndex(BY_GATE, key(kind, object)).stream()
                          .map(ResourceID::fromResource)
                          .collect(Collectors.toSet()))
              .withInformerListLimit(AttemptCaches.LIST_PAGE);
      if (oneInformer) {
        config.withItemStore(TrimmingItemStore.forGates());
      }
      sources.put(kind, new InformerEventSource<>(config.build(), context));
    }
    return List.copyOf(sources.values());
  }

  /** The state of each gate of the task, by {@link RetryGate#describe()}. */
  public Map<String, GateState> observe(DeadLetterTask task, List<RetryGate> gates) {
    Map<String, GateState> seen = new HashMap<>();
    for (RetryGate gate : gates) {
      seen.put(gate.describe(), observe(task.getMetadata().getNamespace(), gate));
    }
    return seen;
  }

  private GateState observe(String namespace, RetryGate gate) {
    GateKind kind = new GateKind(gate.getApiVersion(), gate.getKind());
    var source = sources.get(kind);
    if (source == null) {
      return GateState.notAllowed(
          ("retryPolicy.gates: %s is not a kind the operator watches for gates (%s); ask its"
                  + " administrators to add it to GATE_KINDS (gates.kinds in the Helm chart)")
              .formatted(kind, allowed.isEmpty() ? "none" : allowed));
    }
    return state(source.get(new ResourceID(gate.getName(), namespace)), gate);
  }

  /** Whether the object has the gate's condition; a pure function of the object as cached. */
  static GateState state(Optional<GenericKubernetesResource> object, RetryGate gate) {
    if (object.isEmpty()) {
      return GateState.closed("not found");
    }
    String type = gate.getCondition().getType();
    String wanted = gate.getCondition().wanted();
    Optional<Map<?, ?>> condition =
        conditions(object.get()).stream().filter(c -> type.equals(c.get("type"))).findFirst();
    if (condition.isEmpty()) {
      return GateState.closed("it has no condition " + type + " yet");
    }
    Object status = condition.get().get("status");
    if (wanted.equals(status)) {
      return GateState.HOLDING;
    }
    Object reason = condition.get().get("reason");
    return GateState.closed(
        "condition %s is %s%s".formatted(type, status, reason == null ? "" : " (" + reason + ")"));
  }

  private static List<Map<?, ?>> conditions(GenericKubernetesResource object) {
    Object status = object.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> fields)
        || !(fields.get("conditions") instanceof List<?> list)) {
      return List.of();
    }
    return list.stream()
        .filter(Map.class::isInstance)
        .map(c -> (Map<?, ?>) c)
        .collect(Collectors.toList());
  }

  private static List<String> gateKeys(DeadLetterTask task) {
    if (task.getSpec() == null
        || task.getSpec().getRetryPolicy() == null
        || task.getSpec().getRetryPolicy().getGates() == null) {
      return List.of();
    }
    return task.getSpec().getRetryPolicy().getGates().stream()
        .filter(g -> g.getApiVersion() != null && g.getKind() != null && g.getName() != null)
        .map(
            g ->
                key(
                    task.getMetadata().getNamespace(),
                    new GateKind(g.getApiVersion(), g.getKind()),
                    g.getName()))
        .distinct()
        .toList();
  }

  private static String key(GateKind kind, GenericKubernetesResource object) {
    return key(object.getMetadata().getNamespace(), kind, object.getMetadata().getName());
  }

  private static String key(String namespace, GateKind kind, String name) {
    return namespace + "/" + kind + "/" + name;
  }
}
