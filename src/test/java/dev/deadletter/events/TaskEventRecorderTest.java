package dev.deadletter.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.TaskEvent;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events.k8s.io/v1 Events a task gets, on Fabric8's mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class TaskEventRecorderTest {

  KubernetesClient client;

  @Test
  void anEventSaysWhatWasDoneAndPointsAtTheAttemptJob() {
    recorder()
        .record(
            task(),
            new TaskEvent(false, TaskEvent.ATTEMPT_STARTED, "attempt 2 started as Job export-2")
                .aboutJob("export-2"));

    Event e = onlyEvent();
    assertThat(e.getReason()).isEqualTo("AttemptStarted");
    assertThat(e.getAction()).isEqualTo("CreateJob");
    assertThat(e.getType()).isEqualTo("Normal");
    assertThat(e.getRegarding().getKind()).isEqualTo("DeadLetterTask");
    assertThat(e.getRegarding().getName()).isEqualTo("export");
    assertThat(e.getRelated().getApiVersion()).isEqualTo("batch/v1");
    assertThat(e.getRelated().getKind()).isEqualTo("Job");
    assertThat(e.getRelated().getName()).isEqualTo("export-2");
    assertThat(e.getRelated().getNamespace()).as("the task's namespace").isEqualTo("team-a");
  }

  @Test
  void anEventAboutTheTaskAloneHasNoRelatedObject() {
    recorder()
        .record(
            task(),
            new TaskEvent(true, TaskEvent.STALLED, "retryPolicy.backoff.maxDelay: too short"));

    Event e = onlyEvent();
    assertThat(e.getAction()).isEqualTo("Decide");
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getRelated()).isNull();
  }

  private TaskEventRecorder recorder() {
    return new TaskEventRecorder(
        client, Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC), "test");
  }

  private static DeadLetterTask task() {
    DeadLetterTask task = new DeadLetterTask();
    task.setMetadata(
        new ObjectMetaBuilder().withName("export").withNamespace("team-a").withUid("u1").build());
    return task;
  }

  private Event onlyEvent() {
    List<Event> events = client.resources(Event.class).inNamespace("team-a").list().getItems();
    assertThat(events).hasSize(1);
    return events.get(0);
  }
}
