package dev.runbook.worker.audit;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit store of {@code runbook dev} and {@code runbook demo}: a database {@value #NAME} on the
 * embedded PostgreSQL, owned by its role, whose password is in the secrets file under {@value
 * #SECRET_ID} and, for {@code runbook audit} in another terminal, in {@value #PASSWORD_FILE}
 * (0600).
 */
public final class LocalAuditStore {
  public static final String NAME = "runbook_audit";
  public static final String SECRET_ID = "local/audit";
  public static final String PASSWORD_FILE = "audit-password";

  /** The audit database as one of the embedded server's databases. */
  public static final LocalDatabases.Database DATABASE =
      new LocalDatabases.Database("audit", NAME, SECRET_ID);

  private LocalAuditStore() {}

  /** {@code databases} and the audit database. */
  public static List<LocalDatabases.Database> with(List<LocalDatabases.Database> databases) {
    List<LocalDatabases.Database> all = new ArrayList<>(databases);
    if (all.stream().noneMatch(d -> d.database().equals(NAME))) {
      all.add(DATABASE);
    }
    return all;
  }

  /** Where the embedded server's audit database is, with its credentials. */
  public static AuditStoreConfig config(LocalPostgres postgres) {
    Credentials credentials = LocalSecrets.read(postgres.secretsFile()).get(SECRET_ID);
    if (credentials == null) {
      throw new AuditStoreException(
          postgres.secretsFile() + " has no " + SECRET_ID + ": the audit database was not created");
    }
    return new AuditStoreConfig(
        postgres.jdbcUrl(NAME), credentials.username(), credentials.password());
  }

  /** Writes the password to {@value #PASSWORD_FILE} (0600) in the server's directory. */
  public static Path writePasswordFile(LocalPostgres postgres, AuditStoreConfig config) {
    Path file = postgres.directory().resolve(PASSWORD_FILE);
    try {
      Files.deleteIfExists(file);
      Files.createFile(
          file,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(LocalSecrets.OWNER_ONLY));
      Files.writeString(file, config.password() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /** The environment variables that point {@code runbook audit} at this store, for banners. */
  public static String variables(AuditStoreConfig config, Path passwordFile) {
    return AuditStoreConfig.URL_VARIABLE
        + "="
        + config.url()
        + " "
        + AuditStoreConfig.USER_VARIABLE
        + "="
        + config.user()
        + " "
        + AuditStoreConfig.PASSWORD_FILE_VARIABLE
        + "="
        + passwordFile;
  }
}
