package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Evidence kept with each failed attempt beyond its exit code and termination message. */
public class Forensics {

  /** At most this many bytes of a log tail are kept per attempt, whatever the line count. */
  public static final int MAX_LOG_BYTES = 4096;

  @Min(1)
  @Max(50)
  @JsonPropertyDescription(
      "Keep the last lines (at most 50, and at most 4 KiB) of the failed container's log in the attempt's"
          + " history record, read before the pod can be deleted. Needs the operator to be allowed pods/log.")
  private Integer logTailLines;

  public Integer getLogTailLines() {
    return logTailLines;
  }

  public void setLogTailLines(Integer logTailLines) {
    this.logTailLines = logTailLines;
  }
}
