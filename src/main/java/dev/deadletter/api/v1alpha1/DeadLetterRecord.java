package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * Why and when a task was dead-lettered. Set once; only a redrive clears it, so editing the spec
 * (raising maxAttempts, removing maxRetryDuration) never revives a dead letter.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeadLetterRecord {

  @JsonPropertyDescription(
      "RetriesExhausted, RuleMatched, RuleBudgetExhausted, RetryDurationExceeded, PoisonDetected"
          + " or ResourceCapReached.")
  private DeadLetterReason reason;

  @JsonPropertyDescription("When the task was dead-lettered (RFC 3339).")
  private String at;

  @JsonPropertyDescription("The last attempt of the round, whose failure ended it.")
  private Integer attempt;

  @JsonPropertyDescription("A human-readable account of why.")
  private String message;

  @JsonPropertyDescription(
      "A hash of spec.jobTemplate when the task was dead-lettered (redrivePolicy.onTemplateChange"
          + " redrives once it differs).")
  private String templateHash;

  public String getTemplateHash() {
    return templateHash;
  }

  public void setTemplateHash(String templateHash) {
    this.templateHash = templateHash;
  }

  public DeadLetterRecord() {}

  public DeadLetterRecord(DeadLetterReason reason, String at, Integer attempt, String message) {
    this.reason = reason;
    this.at = at;
    this.attempt = attempt;
    this.message = message;
  }

  public DeadLetterReason getReason() {
    return reason;
  }

  public void setReason(DeadLetterReason reason) {
    this.reason = reason;
  }

  public String getAt() {
    return at;
  }

  public void setAt(String at) {
    this.at = at;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetterRecord d
        && reason == d.reason
        && Objects.equals(at, d.at)
        && Objects.equals(attempt, d.attempt)
        && Objects.equals(message, d.message)
        && Objects.equals(templateHash, d.templateHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, at);
  }
}
