package dev.runbook.worker.ssh;

/**
 * Reads a secret value at the point of use (the private key's passphrase), through the
 * environment's secrets provider. The value is never logged, returned or put in a message.
 */
@FunctionalInterface
public interface SecretReader {
  /**
   * The secret {@code secretId} of {@code environment}.
   *
   * @throws RuntimeException with a message naming the secret id, never its value
   */
  String read(String environment, String secretId);

  /** A reader for environments without any secret (every read fails, naming the secret). */
  static SecretReader none() {
    return (environment, secretId) -> {
      throw new IllegalStateException(
          "no secrets provider for " + environment + " on this machine (secret " + secretId + ")");
    };
  }
}
