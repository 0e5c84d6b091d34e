package dev.runbook.worker.sql;

import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** One pooled connection to a target, its dialect and the timeouts in force, for one step. */
final class Session implements AutoCloseable {
  final SqlTarget target;
  final Connection connection;
  final Dialect dialect;
  private final ConnectionPools pools;
  private SqlFailures.Timeouts timeouts =
      new SqlFailures.Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(5));

  private Session(SqlTarget target, Connection connection, Dialect dialect, ConnectionPools pools) {
    this.target = target;
    this.connection = connection;
    this.dialect = dialect;
    this.pools = pools;
  }

  /** A connection from the pool; a failure is TRANSIENT or CONFIGURATION, without secrets. */
  static Session open(ConnectionPools pools, SqlTarget target) {
    Connection connection;
    try {
      connection = pools.connect(target);
    } catch (SQLException e) {
      throw SqlFailures.connect(e, target, pools.secretsOf(target));
    } catch (RuntimeException e) {
      if (e.getCause() instanceof CredentialSource.CredentialException c) {
        throw dev.runbook.engine.workflow.FailureType.CONFIGURATION.failure(c.getMessage());
      }
      if (e instanceof CredentialSource.CredentialException c) {
        throw dev.runbook.engine.workflow.FailureType.CONFIGURATION.failure(c.getMessage());
      }
      throw e;
    }
    try {
      return new Session(target, connection, Dialect.of(target, connection), pools);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw SqlFailures.connect(e, target, pools.secretsOf(target));
    }
  }

  /** Starts a transaction with these timeouts. */
  void begin(boolean readOnly, Duration statementTimeout, Duration lockTimeout)
      throws SQLException {
    timeouts = new SqlFailures.Timeouts(statementTimeout, lockTimeout);
    dialect.begin(connection, readOnly, statementTimeout, lockTimeout);
  }

  /** The typed failure for {@code e} raised while doing {@code what}. */
  ApplicationFailure fail(SQLException e, String what) {
    return SqlFailures.of(e, what, target, timeouts, pools.secretsOf(target));
  }

  /** Secret values to keep out of any text. */
  java.util.List<String> secrets() {
    return pools.secretsOf(target);
  }

  void rollbackQuietly() {
    try {
      if (!connection.isClosed() && !connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      // the connection is gone: the server rolled the transaction back
    }
  }

  @Override
  public void close() {
    rollbackQuietly();
    closeQuietly(connection);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // already closed or broken: the pool evicts it
    }
  }
}
