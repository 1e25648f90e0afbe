package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How many finished attempt Jobs are kept; older ones are deleted once their outcome is in status.
 */
public class HistoryLimits {

  /** The schema defaults; EffectivePolicy's must be the same (a test compares them). */
  public static final String DEFAULT_SUCCEEDED = "1";

  public static final String DEFAULT_FAILED = "3";

  @Min(0)
  @Max(100)
  @Default(HistoryLimits.DEFAULT_SUCCEEDED)
  @JsonPropertyDescription("Succeeded attempt Jobs to keep (default 1).")
  private Integer succeeded;

  @Min(0)
  @Max(100)
  @Default(HistoryLimits.DEFAULT_FAILED)
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
