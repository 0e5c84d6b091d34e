package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code local} secrets provider: the 0600 JSON file {@link LocalSecrets} (secretId -> user
 * name and password) that {@code runbook dev}'s embedded PostgreSQL writes at every start, or the
 * YAML file an environment names in {@code secrets.file} (the same shape). The file is read again
 * at each use, so a restarted PostgreSQL (new password) is picked up.
 */
public final class LocalCredentialSource implements CredentialSource {
  /** The variable naming the local secrets file for a worker that `runbook dev` did not start. */
  public static final String VARIABLE = "RUNBOOK_LOCAL_SECRETS";

  private final Supplier<Path> file;

  /**
   * The file {@value #VARIABLE} names, e.g. {@code <runbook dev --pg-data DIR>/local-secrets.json};
   * without it every local secret fails with a message saying how to set it.
   */
  public static LocalCredentialSource fromEnvironment() {
    return new LocalCredentialSource(
        () -> {
          String value = System.getenv(VARIABLE);
          return value == null || value.isBlank() ? null : Path.of(value);
        });
  }

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
              + "): run the SQL steps in `runbook dev`, or set "
              + VARIABLE
              + " to the local-secrets.json of its PostgreSQL (runbook dev --pg-data DIR)");
    }
    if (!Files.isRegularFile(path)) {
      throw new CredentialException(
          "the local secrets file " + path + " does not exist (secret " + secretId + ")");
    }
    Map<String, Credentials> secrets;
    try {
      secrets = path.toString().endsWith(".json") ? LocalSecrets.read(path) : yaml(path);
    } catch (UncheckedIOException e) {
      // the reason could quote the file, secrets included
      throw new CredentialException(
          "cannot read the local secrets file " + path + " (secret " + secretId + ")");
    }
    Credentials credentials = secrets.get(secretId);
    if (credentials == null) {
      throw new CredentialException("no secret " + secretId + " in the local secrets file " + path);
    }
    return credentials;
  }

  /** A YAML secrets file ({@code secrets.file}): secretId -> {@code {username, password}}. */
  private static Map<String, Credentials> yaml(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    YamlLoader.Result loaded = new YamlLoader().load(path.toString(), text);
    JsonNode root = loaded.document().map(LoadedDocument::tree).orElse(null);
    if (!loaded.diagnostics().sorted().isEmpty() || root == null || !root.isObject()) {
      throw new UncheckedIOException(new IOException("not a map of secrets"));
    }
    return LocalSecrets.fromTree(root);
  }
}
