package dev.runbook.worker.audit;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags that name the audit store; each falls back to its environment variable. */
public final class AuditOptions {
  @Option(
      names = "--audit-db-url",
      paramLabel = "JDBC_URL",
      description =
          "The audit store, a PostgreSQL JDBC URL, e.g."
              + " jdbc:postgresql://db.internal:5432/runbook_audit (default: $"
              + AuditStoreConfig.URL_VARIABLE
              + ").")
  String url;

  @Option(
      names = "--audit-db-user",
      paramLabel = "USER",
      description = "Its user (default: $" + AuditStoreConfig.USER_VARIABLE + ").")
  String user;

  @Option(
      names = "--audit-db-password-file",
      paramLabel = "FILE",
      description =
          "A file holding its password (default: $"
              + AuditStoreConfig.PASSWORD_FILE_VARIABLE
              + ", else the password in $"
              + AuditStoreConfig.PASSWORD_VARIABLE
              + "). The password is never a flag value and never printed.")
  Path passwordFile;

  /** The store these flags and {@code env} name, or null when none is named. */
  public AuditStoreConfig config(Map<String, String> env) {
    return AuditStoreConfig.resolve(url, user, passwordFile, env);
  }
}
