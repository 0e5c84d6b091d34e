package dev.runbook.worker.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the audit store is: a PostgreSQL JDBC URL and its credentials. The password comes from an
 * environment variable or a file, never from a command-line value (which {@code ps} shows), and is
 * never printed: {@link #toString()} and {@link #describe()} leave it out. A bad URL or an
 * unreadable password file is an {@link IllegalArgumentException} naming the flag.
 */
public record AuditStoreConfig(String url, String user, String password) {
  /** The JDBC URL, e.g. {@code jdbc:postgresql://db.internal:5432/runbook_audit}. */
  public static final String URL_VARIABLE = "RUNBOOK_AUDIT_DB_URL";

  public static final String USER_VARIABLE = "RUNBOOK_AUDIT_DB_USER";

  /** The password itself. */
  public static final String PASSWORD_VARIABLE = "RUNBOOK_AUDIT_DB_PASSWORD";

  /** A file holding the password (first line), e.g. a mounted Kubernetes or Docker secret. */
  public static final String PASSWORD_FILE_VARIABLE = "RUNBOOK_AUDIT_DB_PASSWORD_FILE";

  public AuditStoreConfig {
    user = user == null ? "" : user;
    password = password == null ? "" : password;
    if (url == null || !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "--audit-db-url " + url + ": expected a PostgreSQL JDBC URL (jdbc:postgresql://...)");
    }
  }

  /**
   * From flags with the environment as fallback.
   *
   * @param url the flag's value, or null to read {@link #URL_VARIABLE}
   * @param user the flag's value, or null to read {@link #USER_VARIABLE}
   * @param passwordFile the flag's value, or null to read {@link #PASSWORD_FILE_VARIABLE}, else
   *     {@link #PASSWORD_VARIABLE}
   * @return null when no URL is given anywhere
   */
  public static AuditStoreConfig resolve(
      String url, String user, Path passwordFile, Map<String, String> env) {
    String u = url != null ? url : env.get(URL_VARIABLE);
    if (u == null || u.isBlank()) {
      return null;
    }
    String name = user != null ? user : env.getOrDefault(USER_VARIABLE, "");
    Path file =
        passwordFile != null
            ? passwordFile
            : env.containsKey(PASSWORD_FILE_VARIABLE)
                ? Path.of(env.get(PASSWORD_FILE_VARIABLE))
                : null;
    String password = file != null ? readPassword(file) : env.getOrDefault(PASSWORD_VARIABLE, "");
    return new AuditStoreConfig(u.strip(), name, password);
  }

  private static String readPassword(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return text.strip().split("\\R", 2)[0];
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--audit-db-password-file " + file + ": cannot read it (" + e.getMessage() + ")");
    }
  }

  /** The URL without any credentials it may carry, and the user. */
  public String describe() {
    String plain = url.replaceAll("(?i)([?&;])password=[^&;]*", "$1password=****");
    return plain + (user.isEmpty() ? "" : " as " + user);
  }

  @Override
  public String toString() {
    return "AuditStoreConfig[" + describe() + "]";
  }
}
