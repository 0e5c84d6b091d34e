package dev.runbook.worker.sql;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalSecrets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code local} secrets provider: the 0600 JSON file {@link LocalSecrets} (secretId -> user
 * name and password) that {@code runbook dev}'s embedded PostgreSQL writes at every start. The file
 * is read again at each use, so a restarted PostgreSQL (new password) is picked up.
 */
public final class LocalCredentialSource implements CredentialSource {
  private final Supplier<Path> file;

  /** Reads {@code file} at each use. */
  public LocalCredentialSource(Path file) {
    this(() -> file);
  }

  /** Reads the file {@code file} names at each use (null: none is known yet). */
  public LocalCredentialSource(Supplier<Path> file) {
    this.file = file;
  }

  @Override
  public Credentials fetch(String secretId) {
    Path path = file.get();
    if (path == null) {
      throw new CredentialException(
          "no local secrets file is known to this worker (secret "
              + secretId
              + "): start it with `runbook dev`, or give the file of the embedded PostgreSQL");
    }
    if (!Files.isRegularFile(path)) {
      throw new CredentialException(
          "the local secrets file " + path + " does not exist (secret " + secretId + ")");
    }
    Map<String, Credentials> secrets;
    try {
      secrets = LocalSecrets.read(path);
    } catch (UncheckedIOException e) {
      throw new CredentialException(
          "cannot read the local secrets file " + path + " (secret " + secretId + ")");
    }
    Credentials credentials = secrets.get(secretId);
    if (credentials == null) {
      throw new CredentialException("no secret " + secretId + " in the local secrets file " + path);
    }
    return credentials;
  }
}
