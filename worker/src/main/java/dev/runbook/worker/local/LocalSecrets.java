package dev.runbook.worker.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The secrets of the {@code local} environment: a JSON file mapping each {@code secretId} to {@code
 * {"username": ..., "password": ...}}, readable by its owner only (0600). {@link LocalPostgres}
 * writes it at every start; the worker reads it at the point of use.
 */
public final class LocalSecrets {
  /** The file's name in the embedded PostgreSQL's directory. */
  public static final String FILE = "local-secrets.json";

  /** Owner read and write only. */
  public static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private static final ObjectMapper JSON = new ObjectMapper();

  private LocalSecrets() {}

  /** secretId -> credentials, in file order. */
  public static Map<String, Credentials> read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return fromTree(root);
  }

  /**
   * secretId -> credentials from a parsed secrets document ({@code {id: {username, password}}}).
   */
  public static Map<String, Credentials> fromTree(JsonNode root) {
    Map<String, Credentials> secrets = new LinkedHashMap<>();
    root.properties()
        .forEach(
            e ->
                secrets.put(
                    e.getKey(),
                    new Credentials(
                        e.getValue().path("username").asText(),
                        e.getValue().path("password").asText())));
    return secrets;
  }

  static void write(Path file, Map<String, Credentials> secrets) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    secrets.forEach(
        (id, credentials) ->
            root.putObject(id)
                .put("username", credentials.username())
                .put("password", credentials.password()));
    writeOwnerOnly(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  /**
   * Writes {@code text} to {@code file} through a sibling created with 0600 rights, then moved over
   * the file: the text is never readable by others, not even for a moment.
   */
  static void writeOwnerOnly(Path file, String text) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.writeString(temporary, text, StandardCharsets.UTF_8);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
