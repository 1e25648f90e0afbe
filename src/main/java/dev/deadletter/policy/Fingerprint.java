package dev.deadletter.policy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * What makes two failures the same for poison detection: exit code, reason, matched rule and
 * termination message. Hashed, so status keeps 16 hex characters instead of the message twice.
 */
final class Fingerprint {

  private Fingerprint() {}

  static String of(Integer exitCode, String reason, String rule, String message) {
    String identity =
        String.join(
            "\u0000",
            String.valueOf(exitCode),
            String.valueOf(reason),
            String.valueOf(rule),
            String.valueOf(message));
    byte[] digest = Sha256.digest(identity.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 8);
  }
}
