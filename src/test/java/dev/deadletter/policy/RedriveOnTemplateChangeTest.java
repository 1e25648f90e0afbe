package dev.deadletter.policy;

import static dev.deadletter.policy.Tasks.exitCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.RedrivePolicy;
import dev.deadletter.api.v1alpha1.RedriveRecord.Trigger;
import dev.deadletter.api.v1alpha1.TaskPhase;
import dev.deadletter.policy.Decision.Idle;
import dev.deadletter.policy.Decision.StartAttempt;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** redrivePolicy.onTemplateChange: a fixed template redrives a dead letter, once per version. */
class RedriveOnTemplateChangeTest {

  private static TaskRun deadLettered(boolean onTemplateChange) {
    TaskRun run = TaskRun.of(Tasks.task().maxAttempts(1).backoff("1s", 2, "1m", 0));
    RedrivePolicy redrive = new RedrivePolicy();
    redrive.setOnTemplateChange(onTemplateChange);
    run.task().getSpec().setRedrivePolicy(redrive);
    run.decide();
    run.after(Duration.ofSeconds(30)).fail(1, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    return run;
  }

  private static void newImage(TaskRun run, String image) {
    run.task()
        .getSpec()
        .getJobTemplate()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setImage(image);
    run.task().getMetadata().setGeneration(run.task().getMetadata().getGeneration() + 1);
  }

  @Test
  void aNewTemplateRedrivesOnceAndIsRecorded() {
    TaskRun run = deadLettered(true);
    String deadWith = run.status().getDeadLetter().getTemplateHash();

    newImage(run, "registry.example/export:1.5");
    Decision d = run.after(Duration.ofMinutes(1)).decide();

    assertThat(d.action()).isEqualTo(new StartAttempt(2, 1, "Error"));
    assertThat(d.status().getRound().getNumber()).isEqualTo(2);
    assertThat(d.status().getLastRedrive().getTrigger()).isEqualTo(Trigger.TemplateChanged);
    assertThat(d.status().getLastRedrive().getTemplateHash()).isNotEqualTo(deadWith);
    assertThat(d.events()).extracting(TaskEvent::reason).contains(TaskEvent.REDRIVEN);

    run.after(Duration.ofSeconds(30)).fail(2, exitCode(1));
    assertThat(run.decide().status().getPhase()).isEqualTo(TaskPhase.DeadLettered);
    Decision again = run.after(Duration.ofMinutes(1)).decide();

    assertThat(again.action()).as("the same version is not redriven twice").isEqualTo(new Idle());
    assertThat(again.status().getAttempts()).isEqualTo(2);
  }

  @Test
  void offByDefaultATemplateChangeDoesNotRevive() {
    TaskRun run = deadLettered(false);

    newImage(run, "registry.example/export:1.5");

    assertThat(run.after(Duration.ofMinutes(1)).decide().action()).isEqualTo(new Idle());
  }

  @Test
  void anEditOutsideTheTemplateIsNoTemplateChange() {
    TaskRun run = deadLettered(true);
    run.task().getSpec().getRetryPolicy().setMaxAttempts(5);
    run.task().getMetadata().setGeneration(2L);

    assertThat(run.decide().action()).isEqualTo(new Idle());
  }

  @Test
  void theSameLabelsInAnotherOrderAreTheSameTemplate() {
    var template = Tasks.jobTemplate();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("team", "data");
    labels.put("app", "export");
    template.getSpec().getTemplate().setMetadata(new ObjectMeta());
    template.getSpec().getTemplate().getMetadata().setLabels(labels);
    String before = TemplateHash.of(template);
    Map<String, String> reordered = new LinkedHashMap<>();
    reordered.put("app", "export");
    reordered.put("team", "data");
    template.getSpec().getTemplate().getMetadata().setLabels(reordered);

    assertThat(TemplateHash.of(template)).isEqualTo(before);
    reordered.put("team", "ml");
    assertThat(TemplateHash.of(template)).isNotEqualTo(before);
  }

  @Test
  void aSuspendedTaskWaitsForTheResumeBeforeTheRedrive() {
    TaskRun run = deadLettered(true);
    newImage(run, "registry.example/export:1.5");
    run.suspend(true);

    assertThat(run.decide().action()).isEqualTo(new Idle());

    run.suspend(false);
    assertThat(run.decide().action()).isInstanceOf(StartAttempt.class);
  }

  @Test
  void anAnnotationRedriveIsRecordedToo() {
    TaskRun run = deadLettered(false);
    run.requestRetry("by-hand");

    Decision d = run.decide();

    assertThat(d.status().getLastRedrive().getTrigger()).isEqualTo(Trigger.Annotation);
    assertThat(d.status().getLastRedrive().getAt()).isEqualTo(Timestamps.format(run.now()));
  }
}
