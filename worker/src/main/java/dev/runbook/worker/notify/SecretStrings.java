package dev.runbook.worker.notify;

/**
 * Secret values that are one string (a Slack webhook URL), read at the point of use. Failures are
 * {@link dev.runbook.worker.sql.CredentialSource.CredentialException}s naming the secret id only.
 */
@FunctionalInterface
public interface SecretStrings {
  String get(String secretId);
}
