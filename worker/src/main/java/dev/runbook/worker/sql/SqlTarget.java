package dev.runbook.worker.sql;

import java.util.List;
import java.util.Locale;

/**
 * One database a step can reach: where it is, which secret opens it and which columns are masked.
 * Holds no credential.
 *
 * @param environment the environment file's name
 * @param name the database's key under {@code databases:} (what runbooks name)
 * @param engine the server kind
 * @param host where the worker connects (for {@code via: jump-box}: 127.0.0.1, the tunnel)
 * @param port the port the worker connects to
 * @param database the database (MySQL: schema) to use
 * @param secretId the secret holding the user name and password
 * @param sensitiveColumns {@code table.column}, {@code schema.table.column} or {@code column}
 * @param engineSchema the schema (MySQL: database) of the engine's own tables ({@code
 *     runbook_change_ledger}, {@code runbook_backups}, backup tables), or null for the connection's
 *     default schema
 * @param credentials where {@code secretId} is read
 */
public record SqlTarget(
    String environment,
    String name,
    Engine engine,
    String host,
    int port,
    String database,
    String secretId,
    List<String> sensitiveColumns,
    String engineSchema,
    CredentialSource credentials) {

  /** Server kinds. */
  public enum Engine {
    POSTGRESQL,
    MYSQL,
    MARIADB;

    /** The engine of an environment file's {@code engine:} value. */
    public static Engine of(String text) {
      return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
        case "postgresql" -> POSTGRESQL;
        case "mysql" -> MYSQL;
        case "mariadb" -> MARIADB;
        default -> throw new IllegalArgumentException("unknown database engine " + text);
      };
    }

    /** True for MySQL and MariaDB (one driver, one dialect with two timeout settings). */
    public boolean mysqlFamily() {
      return this != POSTGRESQL;
    }
  }

  /** What {@code engineSchema} may be: a plain identifier, used quoted (exactly as written). */
  public static final java.util.regex.Pattern SCHEMA =
      java.util.regex.Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,62}$");

  public SqlTarget {
    sensitiveColumns = List.copyOf(sensitiveColumns);
    if (engineSchema != null && !SCHEMA.matcher(engineSchema).matches()) {
      throw new IllegalArgumentException(
          "databases."
              + name
              + ".engineSchema of environment "
              + environment
              + ": expected an identifier (letters, digits, _; at most 63), got "
              + engineSchema);
    }
  }

  /** {@code name (environment) at host:port/database}, for messages. */
  public String describe() {
    return name + " (" + environment + ") at " + host + ":" + port + "/" + database;
  }

  /** The JDBC URL; never holds credentials. */
  public String jdbcUrl() {
    return switch (engine) {
      case POSTGRESQL -> "jdbc:postgresql://" + host + ":" + port + "/" + database;
      case MYSQL, MARIADB -> "jdbc:mariadb://" + host + ":" + port + "/" + database;
    };
  }
}
