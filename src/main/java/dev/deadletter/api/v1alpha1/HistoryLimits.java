package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How many finished attempt Jobs are kept; older ones are deleted once their outcome is in status.
 */
public class HistoryLimits {

  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Succeeded attempt Jobs to keep (default 1).")
  private Integer succeeded;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Failed attempt Jobs to keep (default 3).")
  private Integer failed;

  public Integer getSucceeded() {
    return succeeded;
  }

  public void setSucceeded(Integer succeeded) {
    this.succeeded = succeeded;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }
}
