package dev.runbook.worker.flyway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.workflow.FailureType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The folders a step reads migrations from: {@code locations} (default: the database's name), each
 * relative to the worker's migrations root. A folder that leaves the root, by {@code ..}, an
 * absolute path or a symbolic link pointing out, is refused before Flyway sees it.
 */
final class MigrationFolders {
  /** Each segment starts with a letter, digit, {@code _} or {@code -}: no {@code ..}, no hidden. */
  private static final Pattern FOLDER =
      Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

  private MigrationFolders() {}

  /** The real paths of the folders named by {@code with.locations}, or a typed failure. */
  static List<Path> resolve(Path root, JsonNode with, String database) {
    List<String> names = new ArrayList<>();
    JsonNode locations = with.path("locations");
    if (locations.isMissingNode() || locations.isNull()) {
      names.add(database);
    } else if (locations.isArray() && !locations.isEmpty()) {
      // an entry that is null or empty (an optional param not given) is the database's folder
      locations.forEach(
          l ->
              names.add(
                  l.isNull() || l.asText().isEmpty()
                      ? database
                      : l.isTextual() ? l.asText() : l.toString()));
    } else if (locations.isTextual()) {
      names.add(locations.asText().isEmpty() ? database : locations.asText());
    } else {
      throw FailureType.INVALID_PLAN.failure(
          "locations: expected a list of folders under the migrations root, got " + locations);
    }
    Path realRoot;
    try {
      realRoot = root.toRealPath();
    } catch (IOException e) {
      throw FailureType.CONFIGURATION.failure(
          "the migrations root "
              + root.toAbsolutePath().normalize()
              + " does not exist on this worker (set "
              + FlywaySettings.ROOT_VARIABLE
              + ")");
    }
    List<Path> folders = new ArrayList<>();
    for (String name : names) {
      folders.add(folder(realRoot, name));
    }
    return folders;
  }

  private static Path folder(Path realRoot, String name) {
    String plain = name.startsWith("filesystem:") ? name.substring("filesystem:".length()) : name;
    if (!FOLDER.matcher(plain).matches()) {
      throw FailureType.INVALID_PLAN.failure(
          "locations: "
              + quote(name)
              + " is not a folder under the migrations root (relative, no '..', no hidden"
              + " segments)");
    }
    Path candidate = realRoot.resolve(plain).normalize();
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw FailureType.CONFIGURATION.failure(
          "no migrations folder " + plain + " under " + realRoot + " on this worker");
    }
    if (!real.startsWith(realRoot)) {
      throw FailureType.INVALID_PLAN.failure(
          "locations: " + plain + " leads outside the migrations root " + realRoot + "; refused");
    }
    if (!Files.isDirectory(real)) {
      throw FailureType.CONFIGURATION.failure(
          "locations: " + plain + " under " + realRoot + " is not a folder");
    }
    return real;
  }

  private static String quote(String text) {
    String shown = text.length() > 120 ? text.substring(0, 120) + "..." : text;
    return "'" + shown + "'";
  }
}
