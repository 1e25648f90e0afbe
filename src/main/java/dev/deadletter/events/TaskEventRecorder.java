package dev.deadletter.events;

import dev.deadletter.policy.TaskEvent;
import dev.deadletter.policy.Texts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits events.k8s.io/v1 Events about a task, or about a Job captured as one. Best effort: a lost
 * Event never fails a reconcile.
 */
public class TaskEventRecorder {

  static final String REPORTING_CONTROLLER = "deadletter.dev/deadletter-operator";

  /** The API limits an Event note to 1 KiB. */
  static final int MAX_NOTE = 1024;

  private static final Logger log = LoggerFactory.getLogger(TaskEventRecorder.class);
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
          .withZone(java.time.ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;

  public TaskEventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  /** The event's related object, in the regarding object's namespace. */
  private static ObjectReference related(TaskEvent event, HasMetadata regarding) {
    return event.related() == null
        ? null
        : new ObjectReferenceBuilder(event.related())
            .withNamespace(regarding.getMetadata().getNamespace())
            .build();
  }

  public void record(HasMetadata regarding, TaskEvent event) {
    var now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    Event e =
        new EventBuilder()
            .withNewMetadata()
            // Named like client-go's recorder does: <object>.<timestamp in hex>.
            .withName(
                regarding.getMetadata().getName()
                    + "."
                    + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()))
            .withNamespace(regarding.getMetadata().getNamespace())
            .endMetadata()
            .withRegarding(
                new ObjectReferenceBuilder()
                    .withApiVersion(regarding.getApiVersion())
                    .withKind(regarding.getKind())
                    .withName(regarding.getMetadata().getName())
                    .withNamespace(regarding.getMetadata().getNamespace())
                    .withUid(regarding.getMetadata().getUid())
                    .build())
            .withType(event.warning() ? "Warning" : "Normal")
            .withReason(event.reason())
            .withAction(event.action())
            .withRelated(related(event, regarding))
            .withNote(Texts.keepStart(event.message(), MAX_NOTE))
            .withEventTime(new MicroTime(MICRO_TIME.format(now)))
            .withReportingController(REPORTING_CONTROLLER)
            .withReportingInstance(instance)
            .build();
    try {
      client.resource(e).create();
    } catch (KubernetesClientException ex) {
      if (ex.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // Our own create, retried after its response was lost: the Event is there.
        log.debug("event {} {} already recorded", event.reason(), e.getMetadata().getName());
        return;
      }
      log.warn(
          "could not record event {}: HTTP {} {}",
          event.reason(),
          ex.getCode(),
          ex.getStatus() == null ? ex.getMessage() : ex.getStatus().getMessage());
    }
  }
}
