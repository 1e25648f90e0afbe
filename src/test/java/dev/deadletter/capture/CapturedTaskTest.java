package dev.deadletter.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deadletter.api.v1alpha1.DeadLetterTask;
import dev.deadletter.policy.FailureDetails;
import dev.deadletter.testing.Attempts;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapturedTaskTest {

  /** A Job labelled for capture, run by a CronJob, as the Job controller left it. */
  static Job failedJob(String name, String uid) {
    return new JobBuilder(
            Attempts.job(name)
                .namespace("batch")
                .uid(uid)
                .labels(Map.of("app", "export", CapturedTask.CAPTURE_LABEL, "true"))
                .podLabel("app", "export")
                .annotations(
                    Map.of(
                        CapturedTask.RETRY_POLICY_ANNOTATION,
                        "{maxAttempts: 5}",
                        "team",
                        "data",
                        "batch.kubernetes.io/cronjob-scheduled-timestamp",
                        "2026-11-28T12:00:00Z"))
                .ownedBy("batch/v1", "CronJob", "nightly", "cron-uid")
                .backoffLimit(2)
                .generatedLabels()
                .build())
        .editSpec()
        .withTtlSecondsAfterFinished(0)
        .endSpec()
        .build();
  }

  static final FailureDetails EXIT_3 =
      new FailureDetails(
          Map.of("main", 3), List.of("Error", "BackoffLimitExceeded"), List.of(), 3, "boom", "n1");

  @Test
  void taskNameIsDeterministicUniquePerJobAndFitsAttemptJobNames() {
    String longName = "x".repeat(63);
    Job a = failedJob(longName, "uid-a");
    Job b = failedJob(longName, "uid-b");

    assertThat(CapturedTask.taskName(a))
        .isEqualTo(CapturedTask.taskName(failedJob(longName, "uid-a")));
    assertThat(CapturedTask.taskName(a)).isNotEqualTo(CapturedTask.taskName(b));
    assertThat(CapturedTask.taskName(a))
        .hasSizeLessThanOrEqualTo(DeadLetterTask.MAX_NAME_LENGTH)
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(CapturedTask.taskName(failedJob("export-2911", "u"))).startsWith("export-2911-");
  }

  @Test
  void templateDropsWhatTheJobControllerGeneratedAndKeepsTheRest() {
    Job job = failedJob("export-1", "u1");
    String before = Serialization.asJson(job);

    var template = CapturedTask.template(job);

    assertThat(Serialization.asJson(job)).as("the original is not changed").isEqualTo(before);
    assertThat(template.getMetadata().getLabels()).containsExactly(Map.entry("app", "export"));
    assertThat(template.getMetadata().getAnnotations()).containsExactly(Map.entry("team", "data"));
    assertThat(template.getSpec().getSelector()).isNull();
    assertThat(template.getSpec().getManualSelector()).isNull();
    assertThat(template.getSpec().getTtlSecondsAfterFinished()).isNull();
    assertThat(template.getSpec().getBackoffLimit())
        .as("the original's own limit is kept")
        .isEqualTo(2);
    assertThat(template.getSpec().getTemplate().getMetadata().getLabels())
        .containsExactly(Map.entry("app", "export"));
  }

  @Test
  void theTaskCarriesTheJobsOwnLabelsSoTheInstallOfItsShardRunsIt() {
    Job job =
        new JobBuilder(failedJob("export-1", "u1"))
            .editMetadata()
            .addToLabels("shard", "a")
            .endMetadata()
            .build();

    DeadLetterTask task = CapturedTask.build(job, EXIT_3, Instant.now(), null);

    assertThat(task.getMetadata().getLabels())
        .as("without the Job controller's labels, which name the failed Job")
        .containsOnly(
            Map.entry("app", "export"),
            Map.entry("shard", "a"),
            // Harmless on a task: capture watches Jobs, and attempt Jobs take the template's
            // labels.
            Map.entry(CapturedTask.CAPTURE_LABEL, "true"),
            Map.entry(CapturedTask.CAPTURED_FROM_LABEL, "export-1"));
    assertThat(CapturedTask.labels(job)).isEqualTo(task.getMetadata().getLabels());
    assertThat(task.getSpec().getJobTemplate().getMetadata().getLabels())
        .as("attempt Jobs never opt in to capture themselves")
        .doesNotContainKey(CapturedTask.CAPTURE_LABEL);
  }

  @Test
  void sourceRecordsTheJobItsOwnerAndItsFailure() {
    DeadLetterTask task =
        CapturedTask.build(
            failedJob("export-1", "u1"), EXIT_3, Instant.parse("2026-11-28T12:01:02Z"), null);

    var source = task.getSpec().getSource();
    assertThat(source.getKind()).isEqualTo("Job");
    assertThat(source.getName()).isEqualTo("export-1");
    assertThat(source.getUid()).isEqualTo("u1");
    assertThat(source.getOwnerKind()).isEqualTo("CronJob");
    assertThat(source.getOwnerName()).isEqualTo("nightly");
    assertThat(source.getFailedAt()).isEqualTo("2026-11-28T12:01:02Z");
    assertThat(source.getReason()).isEqualTo("Error");
    assertThat(source.getExitCode()).isEqualTo(3);
    assertThat(source.getMessage()).isEqualTo("boom");
    assertThat(task.getMetadata().getNamespace()).isEqualTo("batch");
    assertThat(task.getMetadata().getLabels())
        .containsEntry(CapturedTask.CAPTURED_FROM_LABEL, "export-1");
  }
}
