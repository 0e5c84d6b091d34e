package dev.runbook.worker.sql;

import dev.runbook.worker.local.Credentials;

/**
 * Where database credentials come from, asked at the point of use (when the pool opens a
 * connection), never earlier: they are never part of a step's inputs, outputs or history. The
 * {@code local} provider reads {@link dev.runbook.worker.local.LocalSecrets}; AWS Secrets Manager
 * is {@link dev.runbook.worker.aws.SecretsManagerCredentialSource}.
 */
@FunctionalInterface
public interface CredentialSource {
  /**
   * The user name and password stored under {@code secretId}.
   *
   * @throws CredentialException when there is no such secret or it cannot be read; its message
   *     names the secret id and never a secret value
   */
  Credentials fetch(String secretId);

  /** A secret that cannot be had; the message never contains a secret value. */
  final class CredentialException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CredentialException(String message) {
      super(message);
    }
  }
}
