package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The current round: the attempts since the task was created or last redriven, and what each budget
 * has spent. Recorded as it happens, so an edit of the spec cannot rewrite what was spent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoundStatus {

  @JsonPropertyDescription("1 for the task's first round; each redrive starts the next.")
  private int number;

  @JsonPropertyDescription(
      "The attempt number that opened this round; earlier attempts belong to earlier rounds.")
  private int firstAttempt;

  @JsonPropertyDescription(
      "When the first attempt of the round started (RFC 3339); maxRetryDuration runs from here.")
  private String startedAt;

  @JsonPropertyDescription(
      "Attempts of the round charged to retryPolicy.maxAttempts (a running attempt included).")
  private int countedAttempts;

  @JsonPropertyDescription(
      "Failed attempts of the round charged to a rule's own budget instead of maxAttempts.")
  private int uncountedAttempts;

  @JsonPropertyDescription(
      "Failures of the round each rule matched, keyed by the rule's name, or rules[i] when unnamed.")
  private Map<String, Integer> ruleFailures = new TreeMap<>();

  @JsonPropertyDescription(
      "Since when a RetryBudget holds the round's next retry back (RFC 3339); absent when none"
          + " does.")
  private String budgetWaitSince;

  @JsonPropertyDescription(
      "How long RetryBudgets held the round's retries back before (a Go duration): added to"
          + " maxRetryDuration, which does not count such waits.")
  private String budgetWait;

  public String getBudgetWaitSince() {
    return budgetWaitSince;
  }

  public void setBudgetWaitSince(String budgetWaitSince) {
    this.budgetWaitSince = budgetWaitSince;
  }

  public String getBudgetWait() {
    return budgetWait;
  }

  public void setBudgetWait(String budgetWait) {
    this.budgetWait = budgetWait;
  }

  public int getNumber() {
    return number;
  }

  public void setNumber(int number) {
    this.number = number;
  }

  public int getFirstAttempt() {
    return firstAttempt;
  }

  public void setFirstAttempt(int firstAttempt) {
    this.firstAttempt = firstAttempt;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public int getCountedAttempts() {
    return countedAttempts;
  }

  public void setCountedAttempts(int countedAttempts) {
    this.countedAttempts = countedAttempts;
  }

  public int getUncountedAttempts() {
    return uncountedAttempts;
  }

  public void setUncountedAttempts(int uncountedAttempts) {
    this.uncountedAttempts = uncountedAttempts;
  }

  public Map<String, Integer> getRuleFailures() {
    return ruleFailures;
  }

  public void setRuleFailures(Map<String, Integer> ruleFailures) {
    this.ruleFailures = ruleFailures == null ? new TreeMap<>() : new TreeMap<>(ruleFailures);
  }

  /** A deep copy, for a decision to edit. */
  public RoundStatus copy() {
    RoundStatus c = new RoundStatus();
    c.number = number;
    c.firstAttempt = firstAttempt;
    c.startedAt = startedAt;
    c.countedAttempts = countedAttempts;
    c.uncountedAttempts = uncountedAttempts;
    c.ruleFailures = new TreeMap<>(ruleFailures);
    c.budgetWaitSince = budgetWaitSince;
    c.budgetWait = budgetWait;
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoundStatus r
        && number == r.number
        && firstAttempt == r.firstAttempt
        && countedAttempts == r.countedAttempts
        && uncountedAttempts == r.uncountedAttempts
        && Objects.equals(startedAt, r.startedAt)
        && Objects.equals(ruleFailures, r.ruleFailures)
        && Objects.equals(budgetWaitSince, r.budgetWaitSince)
        && Objects.equals(budgetWait, r.budgetWait);
  }

  @Override
  public int hashCode() {
    return Objects.hash(number, firstAttempt, countedAttempts);
  }
}
