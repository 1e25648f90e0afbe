package dev.deadletter.api.v1alpha1;

/**
 * The duration format of the API: Kubernetes (Go) durations such as {@code 90s}, {@code 5m}, {@code
 * 1h30m}.
 */
public final class Durations {

  /** One or more number-unit pairs; CEL's duration() accepts exactly these. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";

  private Durations() {}
}
