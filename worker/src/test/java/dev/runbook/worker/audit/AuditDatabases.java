package dev.runbook.worker.audit;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import java.util.List;

/**
 * Empty audit databases on one embedded PostgreSQL (port 0) for the tests, each named for the test
 * that uses it; started once, stopped when the JVM ends.
 */
public final class AuditDatabases {
  /** The databases: one per test that needs an empty store. */
  public static final List<String> NAMES =
      List.of(
          "audit_fresh", "audit_upgrade", "audit_sql_run", "audit_wrong_password", "audit_canary");

  private static LocalPostgres postgres;

  private AuditDatabases() {}

  private static synchronized LocalPostgres server() {
    if (postgres == null) {
      postgres =
          LocalPostgres.start(
              new LocalPostgres.Options(
                  0,
                  NAMES.stream().map(n -> new LocalDatabases.Database(n, n, "local/" + n)).toList(),
                  null));
    }
    return postgres;
  }

  /** Where one of {@link #NAMES} is, with its credentials. */
  public static AuditStoreConfig config(String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("no test audit database " + name);
    }
    LocalPostgres pg = server();
    Credentials c = LocalSecrets.read(pg.secretsFile()).get("local/" + name);
    return new AuditStoreConfig(pg.jdbcUrl(name), c.username(), c.password());
  }
}
