package dev.deadletter.observe;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.jobs.AttemptLabels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The informer caches of attempt Jobs and their failed pods. Label-filtered: Jobs and pods that are
 * not attempts of some task are never cached. Trimmed ({@link TrimmingItemStore}): only what a pass
 * reads is kept. Indexed by task: a pass reads one task's objects, independent of the namespace's
 * size.
 *
 * <p>A store must be filled by one informer ({@link TrimmingItemStore#fitsOneInformer}), so an
 * operator given a list of namespaces gets a Job source and a pod source per namespace.
 */
public final class AttemptCaches {

  /**
   * Informers (these, and the operator's of tasks) list in pages of this size: Fabric8 reads a LIST
   * response whole before parsing it, so one response with thousands of Jobs or pods, not the
   * cache, is what fills a small heap at a start. A paged list is a consistent read (Fabric8 sends
   * no resourceVersion=0 with a limit).
   */
  public static final long LIST_PAGE = 500;

  static final String JOBS = "attempt-jobs";
  static final String PODS = "attempt-pods";

  /**
   * Only failed pods are watched and cached: a pass reads a pod for how an attempt failed, and a
   * Job's Complete condition alone says it succeeded. A pod's way to Running and its end were about
   * half of the watch events of an attempt, each one parsed and most of them waking a pass that had
   * nothing to do. Why a pod does not start is looked up instead when its Job shows no ready pod
   * for a while ({@link StalledAttempts}).
   */
  static final FieldSelector FAILED =
      new FieldSelector(new FieldSelector.Field("status.phase", "Failed"));

  static final String BY_TASK = "by-task";

  private final boolean perNamespace;

  private AttemptCaches(boolean perNamespace) {
    this.perNamespace = perNamespace;
  }

  /** The caches, and the event sources that fill them, for the controller's namespaces. */
  static Prepared prepare(EventSourceContext<DeadLetterTask> context) {
    Set<String> namespaces = context.getControllerConfiguration().getEffectiveNamespaces();
    if (TrimmingItemStore.fitsOneInformer(namespaces)) {
      return new Prepared(
          new AttemptCaches(false),
          List.of(jobs(context, Optional.empty()), pods(context, Optional.empty())));
    }
    List<EventSource<?, DeadLetterTask>> sources = new ArrayList<>();
    for (String namespace : namespaces) {
      sources.add(jobs(context, Optional.of(namespace)));
      sources.add(pods(context, Optional.of(namespace)));
    }
    return new Prepared(new AttemptCaches(true), sources);
  }

  /** The caches to read from, and the sources that fill them, for JOSDK to run. */
  record Prepared(AttemptCaches caches, List<EventSource<?, DeadLetterTask>> sources) {}

  List<Job> jobs(Context<DeadLetterTask> context, DeadLetterTask task) {
    return read(context, Job.class, JOBS, task);
  }

  List<Pod> pods(Context<DeadLetterTask> context, DeadLetterTask task) {
    return read(context, Pod.class, PODS, task);
  }

  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> List<R> read(
      Context<DeadLetterTask> context, Class<R> type, String kind, DeadLetterTask task) {
    String namespace = task.getMetadata().getNamespace();
    String name = sourceName(kind, perNamespace ? Optional.of(namespace) : Optional.empty());
    var source =
        (InformerEventSource<R, DeadLetterTask>)
            context.eventSourceRetriever().getEventSourceFor(type, name);
    return source.byIndex(BY_TASK, namespace + "/" + task.getMetadata().getName());
  }

  private static InformerEventSource<Job, DeadLetterTask> jobs(
      EventSourceContext<DeadLetterTask> context, Optional<String> namespace) {
    var config = InformerEventSourceConfiguration.from(Job.class, DeadLetterTask.class);
    return source(context, config, JOBS, namespace, TrimmingItemStore.forJobs());
  }

  private static InformerEventSource<Pod, DeadLetterTask> pods(
      EventSourceContext<DeadLetterTask> context, Optional<String> namespace) {
    var config =
        InformerEventSourceConfiguration.from(Pod.class, DeadLetterTask.class)
            .withFieldSelector(FAILED);
    return source(context, config, PODS, namespace, TrimmingItemStore.forPods());
  }

  private static <R extends HasMetadata> InformerEventSource<R, DeadLetterTask> source(
      EventSourceContext<DeadLetterTask> context,
      InformerEventSourceConfiguration.Builder<R> config,
      String kind,
      Optional<String> namespace,
      ItemStore<R> store) {
    config
        .withName(sourceName(kind, namespace))
        .withLabelSelector(AttemptLabels.TASK)
        .withSecondaryToPrimaryMapper(AttemptCaches::taskOf)
        .withItemStore(store)
        .withInformerListLimit(LIST_PAGE);
    namespace.ifPresent(ns -> config.withNamespaces(Set.of(ns)));
    var source = new InformerEventSource<>(config.build(), context);
    source.addIndexers(Map.of(BY_TASK, AttemptCaches::taskKey));
    return source;
  }

  private static String sourceName(String kind, Optional<String> namespace) {
    return namespace.map(ns -> kind + "-" + ns).orElse(kind);
  }

  private static List<String> taskKey(HasMetadata child) {
    String task = labels(child).get(AttemptLabels.TASK);
    return task == null ? List.of() : List.of(child.getMetadata().getNamespace() + "/" + task);
  }

  private static Set<ResourceID> taskOf(HasMetadata child) {
    return Optional.ofNullable(labels(child).get(AttemptLabels.TASK))
        .map(task -> Set.of(new ResourceID(task, child.getMetadata().getNamespace())))
        .orElse(Set.of());
  }

  private static Map<String, String> labels(HasMetadata r) {
    Map<String, String> labels = r.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }
}
