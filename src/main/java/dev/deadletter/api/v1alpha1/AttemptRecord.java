package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The outcome of one finished attempt, kept in status after its Job is gone. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttemptRecord {

  /** How an attempt ended. */
  public enum Outcome {
    Succeeded,
    Failed
  }

  @JsonPropertyDescription("The attempt number, from 1.")
  private int attempt;

  @JsonPropertyDescription("The attempt Job's name.")
  private String job;

  @JsonPropertyDescription("When the attempt Job was created (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the attempt was seen to end (RFC 3339).")
  private String finishTime;

  @JsonPropertyDescription("Succeeded or Failed.")
  private Outcome outcome;

  @JsonPropertyDescription("Exit code of the failed container, when one terminated.")
  private Integer exitCode;

  @JsonPropertyDescription(
      "Why it failed: container or pod reason, Job condition reason, or JobDeleted.")
  private String reason;

  @JsonPropertyDescription(
      "The container's termination message or the Job's condition message, truncated.")
  private String message;

  @JsonPropertyDescription(
      "The last lines of the failed container's log (spec.forensics.logTailLines), at most 4 KiB.")
  private String logTail;

  @JsonPropertyDescription("The node the failed pod ran on.")
  private String node;

  @JsonPropertyDescription(
      "Index of the retryPolicy rule that matched (rules[i]), absent when none did.")
  private Integer matchedRule;

  @JsonPropertyDescription(
      "What identifies the failure for poison detection: a hash of the exit code, the reason, the"
          + " matched rule and the (truncated) termination message.")
  private String fingerprint;

  @JsonPropertyDescription(
      "The workload's retry-after hint, when its termination message ended with one.")
  private RetryAfterRecord retryAfter;

  @JsonPropertyDescription(
      "The matched rule's name, or rules[i] when it has none: the key of its counter in"
          + " status.round.ruleFailures.")
  private String rule;

  @JsonPropertyDescription(
      "What was done about a failure: Retry, RetryWithoutCounting or DeadLetter.")
  private RetryAction action;

  @JsonPropertyDescription(
      "What the rules' mutate changed in this attempt (its Job's deadletter.dev/mutations"
          + " annotation), e.g. limits.memory/app=384Mi,requests.memory/app=384Mi.")
  private String mutations;

  public String getMutations() {
    return mutations;
  }

  public void setMutations(String mutations) {
    this.mutations = mutations;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public RetryAfterRecord getRetryAfter() {
    return retryAfter;
  }

  public void setRetryAfter(RetryAfterRecord retryAfter) {
    this.retryAfter = retryAfter;
  }

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public int getAttempt() {
    return attempt;
  }

  public void setAttempt(int attempt) {
    this.attempt = attempt;
  }

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getFinishTime() {
    return finishTime;
  }

  public void setFinishTime(String finishTime) {
    this.finishTime = finishTime;
  }

  public Outcome getOutcome() {
    return outcome;
  }

  public void setOutcome(Outcome outcome) {
    this.outcome = outcome;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public void setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLogTail() {
    return logTail;
  }

  public void setLogTail(String logTail) {
    this.logTail = logTail;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public Integer getMatchedRule() {
    return matchedRule;
  }

  public void setMatchedRule(Integer matchedRule) {
    this.matchedRule = matchedRule;
  }

  public RetryAction getAction() {
    return action;
  }

  public void setAction(RetryAction action) {
    this.action = action;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AttemptRecord r)) {
      return false;
    }
    return attempt == r.attempt
        && Objects.equals(job, r.job)
        && Objects.equals(startTime, r.startTime)
        && Objects.equals(finishTime, r.finishTime)
        && outcome == r.outcome
        && Objects.equals(exitCode, r.exitCode)
        && Objects.equals(reason, r.reason)
        && Objects.equals(message, r.message)
        && Objects.equals(node, r.node)
        && Objects.equals(logTail, r.logTail)
        && Objects.equals(matchedRule, r.matchedRule)
        && Objects.equals(rule, r.rule)
        && Objects.equals(fingerprint, r.fingerprint)
        && Objects.equals(retryAfter, r.retryAfter)
        && Objects.equals(mutations, r.mutations)
        && action == r.action;
  }

  @Override
  public int hashCode() {
    return Objects.hash(attempt, job, outcome, reason);
  }
}
