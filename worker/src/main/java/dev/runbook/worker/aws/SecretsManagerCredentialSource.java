package dev.runbook.worker.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.CredentialSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Database credentials from AWS Secrets Manager for the SQL steps of {@code secrets.provider:
 * aws-secrets-manager} environments: the RDS-style JSON secret {@code {"username": ..., "password":
 * ..., ...}} read when a connection opens, kept in worker memory for a short time (default 60 s) so
 * a burst of connections costs one call, and read again after that (a rotated password is picked
 * up). Messages name the secret id and the AWS request id, never a value.
 */
public final class SecretsManagerCredentialSource implements CredentialSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SecretsManagerClient client;
  private final Duration ttl;
  private final Clock clock;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Credentials credentials, Instant until) {
    @Override
    public String toString() {
      return "Cached[until=" + until + "]";
    }
  }

  public SecretsManagerCredentialSource(SecretsManagerClient client, Duration ttl, Clock clock) {
    this.client = client;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The source of one environment's clients, with the worker's cache time. */
  public static SecretsManagerCredentialSource of(AwsClients clients, AwsSettings settings) {
    return new SecretsManagerCredentialSource(
        clients.secrets(), settings.secretCacheTtl(), settings.clock());
  }

  @Override
  public Credentials fetch(String secretId) {
    String id =
        secretId.startsWith(SecretsSteps.HANDLE_PREFIX)
            ? secretId.substring(SecretsSteps.HANDLE_PREFIX.length())
            : secretId;
    Instant now = clock.instant();
    Cached cached = cache.get(id);
    if (cached != null && now.isBefore(cached.until())) {
      return cached.credentials();
    }
    Credentials fresh = read(id);
    cache.put(id, new Cached(fresh, now.plus(ttl)));
    return fresh;
  }

  /** Forgets every cached value (e.g. after the database refused a password). */
  public void clear() {
    cache.clear();
  }

  private Credentials read(String id) {
    String text = SecretsManagerStrings.read(client, id);
    if (text == null) {
      throw new CredentialException(
          "secret " + id + " holds binary data, not the JSON {username, password} it needs");
    }
    JsonNode json;
    try {
      json = JSON.readTree(text);
    } catch (Exception e) { // the parser's message quotes the text: never pass it on
      json = null;
    }
    if (json == null || !json.path("username").isTextual() || !json.path("password").isTextual()) {
      throw new CredentialException(
          "secret "
              + id
              + " is not the JSON {\"username\": ..., \"password\": ...} of a database user");
    }
    return new Credentials(json.get("username").asText(), json.get("password").asText());
  }

  @Override
  public String toString() {
    return "SecretsManagerCredentialSource[cached=" + cache.keySet() + "]";
  }
}
