package dev.deadletter.policy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, for values that must follow from a name or a UID the same way every time. */
public final class Sha256 {

  private Sha256() {}

  /** The digest of the parts, in order, as of one byte string. */
  public static byte[] digest(byte[]... parts) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    for (byte[] part : parts) {
      sha.update(part);
    }
    return sha.digest();
  }
}
