package dev.runbook.worker.flyway;

import dev.runbook.worker.sql.ConnectionPools;
import dev.runbook.worker.sql.SqlTarget;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The {@link DataSource} Flyway is given: connections of one target from {@link ConnectionPools},
 * so they are opened the way the SQL steps open theirs (credentials from the target's {@code
 * CredentialSource} at the point of use; the tunnel of a database {@code via: jump-box}). It holds
 * no credential and offers no way to pass one.
 */
final class PooledDataSource implements DataSource {
  private final ConnectionPools pools;
  private final SqlTarget target;

  PooledDataSource(ConnectionPools pools, SqlTarget target) {
    this.pools = pools;
    this.target = target;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return pools.connect(target);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come from the target's secret");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("not a wrapper for " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }

  @Override
  public String toString() {
    return "runbook pool of " + target.describe(); // Flyway may print it; no credential in it
  }
}
