package dev.deadletter.reconciler;

import dev.deadletter.api.v1alpha1.DeadLetterRedrive;
import dev.deadletter.api.v1alpha1.DeadLetterRedriveStatus;
import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.events.TaskEventRecorder;
import dev.deadletter.metrics.RedriveMetrics;
import dev.deadletter.policy.RedrivePlan;
import dev.deadletter.policy.RedrivePlanner;
import dev.deadletter.policy.TaskEvent;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs bulk redrives: reads the tasks a DeadLetterRedrive selects, lets {@link RedrivePlanner}
 * decide the pass, annotates its batch and writes the status. No finalizer: once the redrive is
 * deleted no pass runs, which is how a redrive is stopped.
 */
@ControllerConfiguration(name = "redrive")
public class DeadLetterRedriveReconciler implements Reconciler<DeadLetterRedrive> {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterRedriveReconciler.class);

  /** Tasks are listed from the API server (not cached twice in memory), a page at a time. */
  static final long LIST_PAGE = 250;

  private final Clock clock;
  private final TaskEventRecorder events;
  private final RedriveMetrics metrics;

  public DeadLetterRedriveReconciler(
      Clock clock, TaskEventRecorder events, RedriveMetrics metrics) {
    this.clock = clock;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public UpdateControl<DeadLetterRedrive> reconcile(
      DeadLetterRedrive redrive, Context<DeadLetterRedrive> context) {
    if (RedrivePlanner.over(redrive)) {
      return UpdateControl.noUpdate(); // without listing the tasks again
    }
    KubernetesClient client = context.getClient();
    List<DeadLetterTask> tasks;
    try {
      tasks = selectedTasks(client, redrive);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_BAD_REQUEST) {
        throw e;
      }
      // The API server refused the selector: nothing to retry.
      String why = "the tasks cannot be listed with this selector: " + message(e);
      writeStatus(redrive, RedrivePlanner.failed(redrive, why, clock.instant()), context);
      events.record(redrive, new TaskEvent(true, TaskEvent.REDRIVE_FAILED, why));
      return UpdateControl.noUpdate();
    }
    RedrivePlan plan = RedrivePlanner.plan(redrive, tasks, clock.instant());
    for (DeadLetterTask task : plan.batch()) {
      annotate(client, task, redrive.token());
    }
    writeStatus(redrive, plan.status(), context);
    plan.events().forEach(e -> events.record(redrive, e));
    return plan.done()
        ? UpdateControl.noUpdate()
        : UpdateControl.<DeadLetterRedrive>noUpdate().rescheduleAfter(plan.nextPassAfter());
  }

  private static List<DeadLetterTask> selectedTasks(
      KubernetesClient client, DeadLetterRedrive redrive) {
    LabelSelector selector = redrive.getSpec() == null ? null : redrive.getSpec().getSelector();
    var inNamespace =
        client.resources(DeadLetterTask.class).inNamespace(redrive.getMetadata().getNamespace());
    // No selector selects every task of the namespace.
    var tasks = selector == null ? inNamespace : inNamespace.withLabelSelector(selector);
    List<DeadLetterTask> all = new ArrayList<>();
    String next = null;
    do {
      var page =
          tasks.list(new ListOptionsBuilder().withLimit(LIST_PAGE).withContinue(next).build());
      all.addAll(page.getItems());
      next = page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return all;
  }

  /**
   * A merge patch of the annotation alone, with the task's UID as a precondition: a task deleted
   * and recreated under the same name since the list is not redriven in its place. The operator is
   * exempt from the task admission policy; the redrive's author passed the redrive policy instead.
   */
  private void annotate(KubernetesClient client, DeadLetterTask task, String token) {
    var patch =
        Map.of(
            "metadata",
            Map.of(
                "uid",
                task.getMetadata().getUid(),
                "annotations",
                Map.of(DeadLetterTask.RETRY_REQUESTED_AT_ANNOTATION, token)));
    try {
      client
          .resources(DeadLetterTask.class)
          .inNamespace(task.getMetadata().getNamespace())
          .withName(task.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
      metrics.redriven();
      log.info(
          "redriving task {}/{}", task.getMetadata().getNamespace(), task.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND
          || e.getCode() == HttpURLConnection.HTTP_CONFLICT
          || e.getCode() == 422) {
        // Deleted or replaced since the list: the next pass no longer sees it.
        log.info("task {} not redriven: {}", task.getMetadata().getName(), message(e));
        return;
      }
      throw e;
    }
  }

  /** The status as a fresh object (identity and status only), written when it changed. */
  private static void writeStatus(
      DeadLetterRedrive redrive,
      DeadLetterRedriveStatus status,
      Context<DeadLetterRedrive> context) {
    if (Objects.equals(redrive.getStatus(), status)) {
      return;
    }
    DeadLetterRedrive fresh = new DeadLetterRedrive();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(redrive.getMetadata().getName());
    meta.setNamespace(redrive.getMetadata().getNamespace());
    fresh.setMetadata(meta);
    fresh.setStatus(status);
    PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(redrive, fresh, context);
  }

  private static String message(KubernetesClientException e) {
    return e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
  }
}
