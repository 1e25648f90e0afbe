package dev.deadletter.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The failed Job a task was captured from; set by the operator's capture, informational otherwise.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TaskSource {

  @Size(max = 63)
  @JsonPropertyDescription("The captured object's kind (Job).")
  private String kind;

  @Size(max = 253)
  @JsonPropertyDescription("The captured Job's name.")
  private String name;

  @Size(max = 36)
  @JsonPropertyDescription("The captured Job's UID.")
  private String uid;

  @Size(max = 63)
  @JsonPropertyDescription("The kind of the captured Job's controller, e.g. CronJob.")
  private String ownerKind;

  @Size(max = 253)
  @JsonPropertyDescription("The name of the captured Job's controller.")
  private String ownerName;

  @Size(max = 64)
  @ValidationRule(
      value =
          "self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?"
              + "(Z|[+-][0-9]{2}:[0-9]{2})$') && timestamp(self) >= timestamp('0001-01-01T00:00:00Z')",
      message = "must be an RFC 3339 date-time, e.g. 2030-01-31T12:00:00Z")
  @JsonPropertyDescription("When the captured Job failed (RFC 3339).")
  private String failedAt;

  @Size(max = 128)
  @JsonPropertyDescription("Why it failed, e.g. Error, OOMKilled, DeadlineExceeded.")
  private String reason;

  @JsonPropertyDescription("The exit code of its failed container, when one terminated.")
  private Integer exitCode;

  @Size(max = 1024)
  @JsonPropertyDescription("Its termination message or the Job condition's message, truncated.")
  private String message;

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public String getOwnerKind() {
    return ownerKind;
  }

  public void setOwnerKind(String ownerKind) {
    this.ownerKind = ownerKind;
  }

  public String getOwnerName() {
    return ownerName;
  }

  public void setOwnerName(String ownerName) {
    this.ownerName = ownerName;
  }

  public String getFailedAt() {
    return failedAt;
  }

  public void setFailedAt(String failedAt) {
    this.failedAt = failedAt;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public void setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
