package dev.runbook.worker.local.cloud;

import dev.runbook.engine.internal.Sha256;
import java.util.Locale;

/**
 * RDS-style identifiers (snapshots, instances) and the PostgreSQL databases holding them locally.
 * Identifiers are lowercased like RDS does; a database name is the identifier when it fits
 * PostgreSQL's 63 bytes, else its start and a hash.
 */
final class CloudNames {
  static final int MAX_DATABASE = 63;

  private CloudNames() {}

  /**
   * {@code text} as an identifier: lowercase letters, digits and single hyphens, a letter first.
   */
  static String identifier(String text) {
    String id =
        text.toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]+", "-")
            .replaceAll("-{2,}", "-")
            .replaceAll("^-+|-+$", "");
    if (id.isEmpty() || !Character.isLetter(id.charAt(0))) {
      id = "x-" + id;
    }
    return id;
  }

  /** The PostgreSQL database that holds identifier {@code id}. */
  static String database(String id) {
    if (id.length() <= MAX_DATABASE) {
      return id;
    }
    return id.substring(0, MAX_DATABASE - 13) + "-" + Sha256.hex(id).substring(0, 12);
  }

  /** A quoted PostgreSQL identifier. */
  static String quoted(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
