package dev.runbook.worker.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The engine's own PostgreSQL database of audit records: a small connection pool, and the schema
 * brought up to date by the Flyway migrations shipped in the worker ({@value #LOCATION}) when it
 * opens. Every run's record outlives Temporal's retention here.
 */
public final class AuditStore implements AutoCloseable {
  /** Where the store's migrations are: V1 runs/steps/approvals/undos, V2 SQL/resources/refusals. */
  public static final String LOCATION = "classpath:db/audit";

  /** Flyway's history table in the audit database. */
  public static final String HISTORY_TABLE = "audit_schema_history";

  private final HikariDataSource pool;
  private final String description;

  private AuditStore(HikariDataSource pool, String description) {
    this.pool = pool;
    this.description = description;
  }

  /**
   * Connects and migrates the schema to the newest version.
   *
   * @throws AuditStoreException with a one-line reason (never the password)
   */
  public static AuditStore open(AuditStoreConfig config) {
    return open(config, null);
  }

  /**
   * Connects to a store a worker already set up, for reading: its schema is checked, never changed
   * (a reader must not migrate the store under the workers writing to it).
   */
  public static AuditStore openForReading(AuditStoreConfig config) {
    AuditStore store = new AuditStore(pool(config), config.describe());
    String version;
    try {
      version = store.schemaVersion();
    } catch (FlywayException e) {
      store.close();
      throw new AuditStoreException(
          "audit store "
              + config.describe()
              + ": "
              + AuditStoreException.firstLine(e.getMessage(), config.password()));
    }
    if (version.isEmpty()) {
      store.close();
      throw new AuditStoreException(
          "audit store "
              + config.describe()
              + " has no audit schema yet: a worker started with --audit-db-url creates it");
    }
    return store;
  }

  /** Connects and migrates up to {@code target} (a version such as "1"; null: the newest). */
  public static AuditStore open(AuditStoreConfig config, String target) {
    HikariDataSource pool = pool(config);
    try {
      migrate(pool, target);
    } catch (FlywayException e) {
      pool.close();
      throw new AuditStoreException(
          "audit store "
              + config.describe()
              + ": cannot bring its schema up to date: "
              + AuditStoreException.firstLine(e.getMessage(), config.password()));
    }
    return new AuditStore(pool, config.describe());
  }

  private static HikariDataSource pool(AuditStoreConfig config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("runbook-audit");
    hikari.setJdbcUrl(config.url());
    hikari.setUsername(config.user());
    hikari.setPassword(config.password());
    hikari.setMaximumPoolSize(2);
    hikari.setMinimumIdle(0);
    hikari.setIdleTimeout(Duration.ofSeconds(60).toMillis());
    hikari.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
    hikari.setInitializationFailTimeout(-1); // fail on first use, with our message
    return new HikariDataSource(hikari);
  }

  private static void migrate(HikariDataSource pool, String target) {
    Flyway flyway =
        Flyway.configure()
            .dataSource(pool)
            .locations(LOCATION)
            .table(HISTORY_TABLE)
            .target(target == null ? MigrationVersion.LATEST : MigrationVersion.fromVersion(target))
            .load();
    flyway.migrate();
  }

  /** A connection from the pool; the caller closes it. */
  Connection connect() throws SQLException {
    return pool.getConnection();
  }

  /** The version of the store's schema, e.g. "2". */
  public String schemaVersion() {
    MigrationInfo current =
        Flyway.configure()
            .dataSource(pool)
            .locations(LOCATION)
            .table(HISTORY_TABLE)
            .load()
            .info()
            .current();
    return current == null || current.getVersion() == null ? "" : current.getVersion().getVersion();
  }

  /** Where it is, for banners: the JDBC URL without credentials. */
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    pool.close();
  }
}
