package dev.runbook.worker.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import dev.runbook.worker.sql.CredentialSource.CredentialException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * String secrets of the {@code local} provider: entries of the environment's {@code secrets.file}
 * whose value is a string ({@code local/slack-webhook: https://hooks.slack.com/...}). Read again at
 * each use.
 */
public final class LocalSecretStrings implements SecretStrings {
  private final Path file;

  public LocalSecretStrings(Path file) {
    this.file = file;
  }

  @Override
  public String get(String secretId) {
    if (!Files.isRegularFile(file)) {
      throw new CredentialException(
          "the local secrets file " + file + " does not exist (secret " + secretId + ")");
    }
    JsonNode root;
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      YamlLoader.Result loaded = new YamlLoader().load(file.toString(), text);
      root = loaded.document().map(LoadedDocument::tree).orElse(null);
      if (!loaded.diagnostics().sorted().isEmpty()) {
        root = null;
      }
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      // never quote the file: its values are secrets
      throw new CredentialException(
          "cannot read the local secrets file " + file + " (secret " + secretId + ")");
    }
    JsonNode value = root.path(secretId);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new CredentialException(
          "no string secret " + secretId + " in the local secrets file " + file);
    }
    return value.asText();
  }
}
