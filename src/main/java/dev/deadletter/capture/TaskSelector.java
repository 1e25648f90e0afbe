package dev.deadletter.capture;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The operator's TASK_LABEL_SELECTOR, matched in process against the labels a captured task would
 * get: installs that shard tasks all see the same failed Jobs, and only the one that would run the
 * task may capture it. The API server applies the same selector to the task informer, so this reads
 * its syntax: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a)},
 * {@code k}, {@code !k}, {@code k>1}, {@code k<1}, joined by commas, all of which must hold.
 */
public final class TaskSelector {

  private static final String SPECIAL = "=!(),<>";

  private final List<Predicate<Map<String, String>>> requirements;

  private TaskSelector(List<Predicate<Map<String, String>>> requirements) {
    this.requirements = requirements;
  }

  /**
   * @param selector empty for every task
   * @throws IllegalArgumentException when the API server would not accept it either
   */
  public static TaskSelector parse(String selector) {
    return new TaskSelector(new Parser(selector).requirements());
  }

  public boolean matches(Map<String, String> labels) {
    Map<String, String> present = labels == null ? Map.of() : labels;
    return requirements.stream().allMatch(r -> r.test(present));
  }

  /** A token: an identifier (a key, a value, {@code in} or {@code notin}) or a symbol. */
  private record Token(boolean identifier, String text) {}

  private static final class Parser {
    private final String selector;
    private final List<Token> tokens;
    private int next;

    Parser(String selector) {
      this.selector = selector;
      this.tokens = tokens(selector);
    }

    List<Predicate<Map<String, String>>> requirements() {
      List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
      while (next < tokens.size()) {
        if (!requirements.isEmpty()) {
          expectSymbol(",");
        }
        requirements.add(requirement());
      }
      return requirements;
    }

    private Predicate<Map<String, String>> requirement() {
      if (peekSymbol("!")) {
        next++;
        String key = identifier("a label key after '!'");
        return labels -> !labels.containsKey(key);
      }
      String key = identifier("a label key");
      if (next == tokens.size() || peekSymbol(",")) {
        return labels -> labels.containsKey(key);
      }
      Token operator = tokens.get(next++);
      switch (operator.text()) {
        case "=", "==", "!=" -> {
          String value = next == tokens.size() || peekSymbol(",") ? "" : identifier("a value");
          boolean equal = !operator.text().equals("!=");
          return labels -> value.equals(labels.get(key)) == equal;
        }
        case "in", "notin" -> {
          Set<String> values = values();
          boolean in = operator.text().equals("in");
          return labels -> (labels.containsKey(key) && values.contains(labels.get(key))) == in;
        }
        case ">", "<" -> {
          long bound = number(identifier("a number"));
          boolean greater = operator.text().equals(">");
          return labels -> {
            try {
              int c = Long.compare(Long.parseLong(labels.get(key)), bound);
              return greater ? c > 0 : c < 0;
            } catch (NumberFormatException e) {
              return false; // absent or not a number, as on the API server
            }
          };
        }
        default -> throw problem("an operator after '" + key + "'");
      }
    }

    /** {@code (a, b)}; an empty entry is the empty value, as on the API server. */
    private Set<String> values() {
      expectSymbol("(");
      Set<String> values = new HashSet<>();
      while (true) {
        boolean value = next < tokens.size() && tokens.get(next).identifier();
        values.add(value ? tokens.get(next++).text() : "");
        if (peekSymbol(")")) {
          next++;
          return values;
        }
        expectSymbol(",");
      }
    }

    private String identifier(String what) {
      if (next == tokens.size() || !tokens.get(next).identifier()) {
        throw problem(what);
      }
      return tokens.get(next++).text();
    }

    private boolean peekSymbol(String symbol) {
      return next < tokens.size()
          && !tokens.get(next).identifier()
          && tokens.get(next).text().equals(symbol);
    }

    private void expectSymbol(String symbol) {
      if (!peekSymbol(symbol)) {
        throw problem("'" + symbol + "'");
      }
      next++;
    }

    private long number(String text) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw problem("an integer, not '" + text + "',");
      }
    }

    private IllegalArgumentException problem(String expected) {
      String found = next < tokens.size() ? "'" + tokens.get(next).text() + "'" : "the end";
      return new IllegalArgumentException(
          "label selector '%s': expected %s, found %s".formatted(selector, expected, found));
    }

    private static List<Token> tokens(String selector) {
      List<Token> tokens = new ArrayList<>();
      int i = 0;
      while (i < selector.length()) {
        char c = selector.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (SPECIAL.indexOf(c) >= 0) {
          boolean twoChars =
              (c == '!' || c == '=') && i + 1 < selector.length() && selector.charAt(i + 1) == '=';
          tokens.add(new Token(false, selector.substring(i, twoChars ? i + 2 : i + 1)));
          i += twoChars ? 2 : 1;
        } else {
          int start = i;
          while (i < selector.length()
              && !Character.isWhitespace(selector.charAt(i))
              && SPECIAL.indexOf(selector.charAt(i)) < 0) {
            i++;
          }
          tokens.add(new Token(true, selector.substring(start, i)));
        }
      }
      return tokens;
    }
  }
}
