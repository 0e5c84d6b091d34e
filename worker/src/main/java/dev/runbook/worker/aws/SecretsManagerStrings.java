package dev.runbook.worker.aws;

import dev.runbook.worker.notify.SecretStrings;
import dev.runbook.worker.sql.CredentialSource.CredentialException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Secrets Manager secrets that are one string (a Slack webhook URL), read at each use. Messages
 * name the secret id and the AWS request id, never a value.
 */
public final class SecretsManagerStrings implements SecretStrings {
  private final SecretsManagerClient client;

  public SecretsManagerStrings(SecretsManagerClient client) {
    this.client = client;
  }

  @Override
  public String get(String secretId) {
    String text = read(client, secretId);
    if (text == null || text.isBlank()) {
      throw new CredentialException("secret " + secretId + " holds no text");
    }
    return text.strip();
  }

  /**
   * The secret's text (null when it holds binary data), read with GetSecretValue; failures are
   * {@link CredentialException}s naming the secret id, the error code and the request id.
   */
  static String read(SecretsManagerClient client, String secretId) {
    try {
      return client.getSecretValue(b -> b.secretId(secretId)).secretString();
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      throw new CredentialException(
          "cannot read secret "
              + secretId
              + " from AWS Secrets Manager ("
              + code
              + (code != null && code.startsWith("AccessDenied")
                  ? ": grant secretsmanager:GetSecretValue on it to the worker's role"
                  : "")
              + "; AWS request id "
              + e.requestId()
              + ")");
    } catch (SdkException e) {
      throw new CredentialException(
          "cannot reach AWS Secrets Manager for secret "
              + secretId
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }
}
