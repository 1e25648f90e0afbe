package dev.deadletter.policy;

/** Text cut to fit a bounded field. */
public final class Texts {

  private Texts() {}

  /**
   * The text if it has at most {@code maxLength} characters, else its start followed by "...", in
   * {@code maxLength} characters: for a message, whose first words say the most. (A log keeps its
   * end instead, where the error usually is.)
   *
   * @return null for null
   */
  public static String keepStart(String text, int maxLength) {
    if (text == null || text.length() <= maxLength) {
      return text;
    }
    return text.substring(0, maxLength - 3) + "...";
  }
}
