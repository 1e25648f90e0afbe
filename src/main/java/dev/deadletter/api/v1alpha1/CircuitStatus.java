package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One circuit of a budget: the record that lets an open circuit survive an operator restart. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CircuitStatus {

  /** Closed lets retries through; Open stops them; HalfOpen lets halfOpenProbes through. */
  public enum State {
    Closed,
    Open,
    HalfOpen
  }

  @Required
  @JsonPropertyDescription(
      "The key: the value of spec.circuitBreaker.keyLabel, or the name of the rule failures matched.")
  private String key;

  @Required
  @JsonPropertyDescription("Closed, Open or HalfOpen.")
  private State state;

  @JsonPropertyDescription(
      "When the circuit entered this state (RFC 3339). A closed circuit counts only attempts that"
          + " ended after it.")
  private String since;

  @JsonPropertyDescription("While Open: when probes may go through (RFC 3339).")
  private String until;

  @JsonPropertyDescription("Attempts of the key that ended in the window, when it was last judged.")
  private Integer attempts;

  @JsonPropertyDescription("Of those, the failures.")
  private Integer failures;

  public CircuitStatus() {}

  public CircuitStatus(String key, State state, String since, String until) {
    this.key = key;
    this.state = state;
    this.since = since;
    this.until = until;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public State getState() {
    return state;
  }

  public void setState(State state) {
    this.state = state;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  public String getUntil() {
    return until;
  }

  public void setUntil(String until) {
    this.until = until;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public Integer getFailures() {
    return failures;
  }

  public void setFailures(Integer failures) {
    this.failures = failures;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CircuitStatus c
        && Objects.equals(key, c.key)
        && state == c.state
        && Objects.equals(since, c.since)
        && Objects.equals(until, c.until)
        && Objects.equals(attempts, c.attempts)
        && Objects.equals(failures, c.failures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, state, since, until, attempts, failures);
  }
}
