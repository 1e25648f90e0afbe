package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The API server refused to create the next attempt's Job (a quota, an admission policy, an invalid
 * template, a name taken). Nothing was started; the create is tried again with a capped backoff,
 * because a quota or a webhook can change without the task being touched.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RefusedStart {

  @JsonPropertyDescription("The attempt whose Job could not be created.")
  private int attempt;

  @JsonPropertyDescription("JobForbidden, InvalidJobTemplate or JobNameTaken.")
  private String reason;

  @JsonPropertyDescription("What the API server said.")
  private String message;

  @JsonPropertyDescription("When the first refusal of this attempt happened (RFC 3339).")
  private String since;

  @JsonPropertyDescription("How many creates of this attempt were refused in a row.")
  private int refusals;

  @JsonPropertyDescription(
      "When the create is tried again (RFC 3339), or at once when metadata.generation moves past"
          + " observedGeneration (an edit may have fixed it).")
  private String nextTryAt;

  @JsonPropertyDescription("The metadata.generation the refused Job was built from.")
  private Long observedGeneration;

  public RefusedStart() {}

  public RefusedStart(
      int attempt,
      String reason,
      String message,
      String since,
      int refusals,
      String nextTryAt,
      Long observedGeneration) {
    this.attempt = attempt;
    this.reason = reason;
    this.message = message;
    this.since = since;
    this.refusals = refusals;
    this.nextTryAt = nextTryAt;
    this.observedGeneration = observedGeneration;
  }

  public String getNextTryAt() {
    return nextTryAt;
  }

  public void setNextTryAt(String nextTryAt) {
    this.nextTryAt = nextTryAt;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public int getAttempt() {
    return attempt;
  }

  public void setAttempt(int attempt) {
    this.attempt = attempt;
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

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  public int getRefusals() {
    return refusals;
  }

  public void setRefusals(int refusals) {
    this.refusals = refusals;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RefusedStart r
        && attempt == r.attempt
        && refusals == r.refusals
        && Objects.equals(reason, r.reason)
        && Objects.equals(message, r.message)
        && Objects.equals(since, r.since)
        && Objects.equals(nextTryAt, r.nextTryAt)
        && Objects.equals(observedGeneration, r.observedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(attempt, reason, refusals);
  }
}
