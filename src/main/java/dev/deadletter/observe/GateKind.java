package dev.deadletter.observe;

import java.util.Arrays;
import java.util.List;

/**
 * A kind of object a retry gate may name, as the operator's configuration lists it: {@code
 * apps/v1/Deployment}, or {@code v1/ConfigMap} for the core group.
 */
public record GateKind(String apiVersion, String kind) {

  /** The kinds in a comma-separated list; empty for an empty list. */
  public static List<GateKind> parseList(String value) {
    return Arrays.stream(value.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(GateKind::parse)
        .distinct()
        .toList();
  }

  static GateKind parse(String text) {
    int slash = text.lastIndexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException(
          "'" + text + "' is not apiVersion/Kind (e.g. apps/v1/Deployment)");
    }
    String apiVersion = text.substring(0, slash);
    String kind = text.substring(slash + 1);
    if (apiVersion.chars().filter(c -> c == '/').count() > 1
        || !Character.isUpperCase(kind.charAt(0))) {
      throw new IllegalArgumentException(
          "'" + text + "' is not apiVersion/Kind (e.g. apps/v1/Deployment)");
    }
    return new GateKind(apiVersion, kind);
  }

  @Override
  public String toString() {
    return apiVersion + "/" + kind;
  }
}
