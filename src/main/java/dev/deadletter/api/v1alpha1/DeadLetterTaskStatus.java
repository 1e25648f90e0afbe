package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.crd.generator.annotation.SelectableField;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The record of what happened; rebuilt from observed Jobs and the previous status on every pass.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeadLetterTaskStatus {

  /** The CRD's description of status (set after generation, as spec's). */
  public static final String DESCRIPTION =
      "What happened, written by the operator: the phase, the attempts and their outcomes, the"
          + " current round's budgets, and the dead letter if any.";

  /** How many attempts the history keeps. */
  public static final int HISTORY_LIMIT = 20;

  @SelectableField
  @JsonPropertyDescription(
      "Where the task stands: Pending (no attempt yet), Running (an attempt Job runs), BackingOff"
          + " (waiting until nextAttemptAt), Succeeded, DeadLettered (waits for a redrive) or"
          + " Suspended (spec.suspend). Selectable: kubectl get dlt --field-selector"
          + " status.phase=DeadLettered.")
  private TaskPhase phase;

  @JsonPropertyDescription(
      "Attempts started in all, across redrives; the last attempt Job is <task>-<attempts>.")
  private int attempts;

  @JsonPropertyDescription(
      "The current round: its attempts, when it started and what each budget has spent.")
  private RoundStatus round;

  @JsonPropertyDescription(
      "Why and when the task was dead-lettered; set once, cleared only by a redrive.")
  private DeadLetterRecord deadLetter;

  @JsonPropertyDescription(
      "Why and when the current round began with a redrive: Annotation or TemplateChanged.")
  private RedriveRecord lastRedrive;

  @JsonPropertyDescription(
      "Set while the API server refuses to create the next attempt's Job; the create is tried"
          + " again at nextAttemptAt.")
  private RefusedStart refusedStart;

  @JsonPropertyDescription(
      "Deprecated, replaced by round.countedAttempts: read once from a status an older version"
          + " wrote, never written.")
  private Integer countedAttempts;

  @JsonPropertyDescription(
      "Deprecated, replaced by round.startedAt: read once from a status an older version wrote,"
          + " never written.")
  private String roundStartedAt;

  @JsonPropertyDescription("The running attempt Job, if any.")
  private String activeJob;

  @JsonPropertyDescription(
      "When the next attempt is due (RFC 3339), while BackingOff or Suspended.")
  private String nextAttemptAt;

  @JsonPropertyDescription(
      "The last value of the deadletter.dev/retry-requested-at annotation acted on.")
  private String lastHandledRetryRequest;

  @JsonPropertyDescription("The failure reason of the last failed attempt.")
  private String lastFailureReason;

  @JsonPropertyDescription("A human-readable account of the current phase.")
  private String message;

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription("The last " + HISTORY_LIMIT + " finished attempts, oldest first.")
  private List<AttemptRecord> history = new ArrayList<>();

  @SchemaFrom(type = ConditionSchema.List.class)
  @JsonPropertyDescription(
      "Ready (succeeded), Reconciling (attempts under way), Stalled (dead-lettered, or cannot"
          + " run) and DeadLettered, in the Kubernetes condition shape; one of each type.")
  private List<Condition> conditions = new ArrayList<>();

  public TaskPhase getPhase() {
    return phase;
  }

  public void setPhase(TaskPhase phase) {
    this.phase = phase;
  }

  public int getAttempts() {
    return attempts;
  }

  public void setAttempts(int attempts) {
    this.attempts = attempts;
  }

  public RoundStatus getRound() {
    return round;
  }

  public void setRound(RoundStatus round) {
    this.round = round;
  }

  public DeadLetterRecord getDeadLetter() {
    return deadLetter;
  }

  public void setDeadLetter(DeadLetterRecord deadLetter) {
    this.deadLetter = deadLetter;
  }

  public RedriveRecord getLastRedrive() {
    return lastRedrive;
  }

  public void setLastRedrive(RedriveRecord lastRedrive) {
    this.lastRedrive = lastRedrive;
  }

  public RefusedStart getRefusedStart() {
    return refusedStart;
  }

  public void setRefusedStart(RefusedStart refusedStart) {
    this.refusedStart = refusedStart;
  }

  public Integer getCountedAttempts() {
    return countedAttempts;
  }

  public void setCountedAttempts(Integer countedAttempts) {
    this.countedAttempts = countedAttempts;
  }

  public String getRoundStartedAt() {
    return roundStartedAt;
  }

  public void setRoundStartedAt(String roundStartedAt) {
    this.roundStartedAt = roundStartedAt;
  }

  public String getActiveJob() {
    return activeJob;
  }

  public void setActiveJob(String activeJob) {
    this.activeJob = activeJob;
  }

  public String getNextAttemptAt() {
    return nextAttemptAt;
  }

  public void setNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
  }

  public String getLastHandledRetryRequest() {
    return lastHandledRetryRequest;
  }

  public void setLastHandledRetryRequest(String lastHandledRetryRequest) {
    this.lastHandledRetryRequest = lastHandledRetryRequest;
  }

  public String getLastFailureReason() {
    return lastFailureReason;
  }

  public void setLastFailureReason(String lastFailureReason) {
    this.lastFailureReason = lastFailureReason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<AttemptRecord> getHistory() {
    return history;
  }

  public void setHistory(List<AttemptRecord> history) {
    this.history = history == null ? new ArrayList<>() : history;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? new ArrayList<>() : conditions;
  }

  /** A copy that a decision may edit: lists, the round and the records are its own. */
  public DeadLetterTaskStatus copy() {
    DeadLetterTaskStatus c = new DeadLetterTaskStatus();
    c.phase = phase;
    c.attempts = attempts;
    c.round = round == null ? null : round.copy();
    c.deadLetter = deadLetter;
    c.refusedStart = refusedStart;
    c.lastRedrive = lastRedrive;
    c.countedAttempts = countedAttempts;
    c.roundStartedAt = roundStartedAt;
    c.activeJob = activeJob;
    c.nextAttemptAt = nextAttemptAt;
    c.lastHandledRetryRequest = lastHandledRetryRequest;
    c.lastFailureReason = lastFailureReason;
    c.message = message;
    c.observedGeneration = observedGeneration;
    c.history = new ArrayList<>(history);
    c.conditions = new ArrayList<>(conditions);
    return c;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeadLetterTaskStatus s)) {
      return false;
    }
    return attempts == s.attempts
        && phase == s.phase
        && Objects.equals(round, s.round)
        && Objects.equals(deadLetter, s.deadLetter)
        && Objects.equals(refusedStart, s.refusedStart)
        && Objects.equals(lastRedrive, s.lastRedrive)
        && Objects.equals(countedAttempts, s.countedAttempts)
        && Objects.equals(roundStartedAt, s.roundStartedAt)
        && Objects.equals(activeJob, s.activeJob)
        && Objects.equals(nextAttemptAt, s.nextAttemptAt)
        && Objects.equals(lastHandledRetryRequest, s.lastHandledRetryRequest)
        && Objects.equals(lastFailureReason, s.lastFailureReason)
        && Objects.equals(message, s.message)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(history, s.history)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, attempts, activeJob, nextAttemptAt);
  }
}
