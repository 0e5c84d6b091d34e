package dev.runbook.worker.local.cloud;

import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.CredentialSource;
import dev.runbook.worker.sql.SqlTarget;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The PostgreSQL server a {@code local} database lives on, reached with that database's secret.
 * Connections here are short-lived and unpooled: snapshots and restores are rare, and a pooled
 * session on a database would stop PostgreSQL from copying or dropping it.
 */
record PgServer(
    String environment, String host, int port, String secretId, CredentialSource credentials) {
  /** The maintenance database every PostgreSQL has; CREATE/DROP DATABASE run from there. */
  static final String MAINTENANCE = "postgres";

  static PgServer of(SqlTarget target) {
    if (target.engine() != SqlTarget.Engine.POSTGRESQL) {
      throw FailureType.CONFIGURATION.failure(
          target.name()
              + " ("
              + target.environment()
              + ") is "
              + target.engine().name().toLowerCase(java.util.Locale.ROOT)
              + ": the local provider copies PostgreSQL databases only");
    }
    return new PgServer(
        target.environment(),
        target.host(),
        target.port(),
        target.secretId(),
        target.credentials());
  }

  /** Same server (host and port). */
  boolean sameAs(PgServer other) {
    return host.equals(other.host) && port == other.port;
  }

  /** A new connection to {@code database}, autocommit; the caller closes it. */
  Connection connect(String database) {
    Credentials login;
    try {
      login = credentials.fetch(secretId);
    } catch (CredentialSource.CredentialException e) {
      throw FailureType.CONFIGURATION.failure(e.getMessage());
    }
    Properties properties = new Properties();
    properties.setProperty("user", login.username());
    properties.setProperty("password", login.password());
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "runbook-local-cloud");
    try {
      return DriverManager.getConnection(
          "jdbc:postgresql://" + host + ":" + port + "/" + database, properties);
    } catch (SQLException e) {
      throw failure(e, "connecting to " + database, login.password());
    }
  }

  /** A typed failure for {@code e} while {@code doing}, with no secret in it. */
  ApplicationFailure failure(SQLException e, String doing, String secret) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String text = e.getMessage() == null ? state : e.getMessage().lines().findFirst().orElse("");
    if (secret != null && !secret.isEmpty()) {
      text = text.replace(secret, "***");
    }
    String message = doing + " on " + host + ":" + port + " (" + environment + "): " + text;
    if (state.startsWith("08")) {
      return FailureType.TRANSIENT.failure(message);
    }
    if (state.startsWith("28")) {
      return FailureType.CONFIGURATION.failure(
          "the server refused the credentials of " + secretId + " (" + environment + ")");
    }
    if (state.equals("42501")) {
      return FailureType.CONFIGURATION.failure(
          message
              + "; the local provider's role needs CREATEDB and to own the databases it copies");
    }
    return FailureType.STEP_FAILED.failure(message);
  }

  /** A failure for {@code e} without a known secret (the password is re-read to cut it out). */
  ApplicationFailure failure(SQLException e, String doing) {
    String secret;
    try {
      secret = credentials.fetch(secretId).password();
    } catch (RuntimeException ignored) {
      secret = null;
    }
    return failure(e, doing, secret);
  }
}
