package dev.runbook.worker.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** OpenSSH's {@code SHA256:...} fingerprints and key types of public key blobs. */
public final class Fingerprints {
  private Fingerprints() {}

  /** {@code SHA256:<base64 without padding>} of a public key blob, as {@code ssh-keygen -l}. */
  public static String sha256(byte[] blob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fingerprint of a key line {@code <type> <base64> [comment]}. */
  public static String ofLine(String line) {
    return sha256(Base64.getDecoder().decode(line.trim().split("\\s+")[1]));
  }

  /** The key type a blob starts with (its first SSH string), e.g. {@code ssh-ed25519}. */
  public static String type(byte[] blob) {
    if (blob.length < 4) {
      return "unknown";
    }
    int length =
        ((blob[0] & 0xff) << 24)
            | ((blob[1] & 0xff) << 16)
            | ((blob[2] & 0xff) << 8)
            | (blob[3] & 0xff);
    if (length <= 0 || length > blob.length - 4) {
      return "unknown";
    }
    return new String(blob, 4, length, StandardCharsets.US_ASCII);
  }
}
