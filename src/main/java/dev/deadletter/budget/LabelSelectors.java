package dev.deadletter.budget;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** A metav1 LabelSelector matched against labels, as the API server matches one. */
final class LabelSelectors {

  private LabelSelectors() {}

  /** Null or empty selects everything. */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector == null) {
      return true;
    }
    // Loops, not streams: the ledger asks this for every task of a namespace on every count.
    Map<String, String> wanted = selector.getMatchLabels();
    if (wanted != null) {
      for (Map.Entry<String, String> e : wanted.entrySet()) {
        if (!e.getValue().equals(have.get(e.getKey()))) {
          return false;
        }
      }
    }
    List<LabelSelectorRequirement> requirements = selector.getMatchExpressions();
    if (requirements != null) {
      for (LabelSelectorRequirement r : requirements) {
        if (!holds(r, have)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean holds(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false; // the schema admits no other operator
    };
  }
}
