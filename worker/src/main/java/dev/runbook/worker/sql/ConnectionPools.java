package dev.runbook.worker.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.runbook.worker.local.Credentials;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One small HikariCP pool per database (environment and name), created at first use. The pool asks
 * the target's {@link CredentialSource} for the user name and password each time it opens a
 * connection, so credentials are read at the point of use and a rotated secret is picked up by the
 * next connection. Idle connections are closed after {@link #IDLE}; {@link #close()} closes every
 * pool (the worker does on shutdown). Public for the migration steps ({@code
 * dev.runbook.worker.flyway}), which keep pools of their own.
 */
public final class ConnectionPools implements AutoCloseable {
  static final int MAX_CONNECTIONS = 4;
  static final Duration IDLE = Duration.ofSeconds(60);

  private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();
  private final Map<String, Credentials> lastUsed = new ConcurrentHashMap<>();
  private final Duration connectTimeout;
  private volatile boolean closed;

  public ConnectionPools(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** A connection to {@code target}; the caller closes it (back into the pool). */
  public Connection connect(SqlTarget target) throws SQLException {
    if (closed) {
      throw new SQLException("the worker is stopping: its connection pools are closed", "08003");
    }
    return pools.computeIfAbsent(key(target), k -> create(target)).getConnection();
  }

  /** Closes the idle connections to {@code target} now, busy ones when returned. */
  public void release(SqlTarget target, boolean dropPool) {
    HikariDataSource pool = dropPool ? pools.remove(key(target)) : pools.get(key(target));
    if (pool == null) {
      return;
    }
    if (dropPool) {
      pool.close();
    } else if (pool.getHikariPoolMXBean() != null) {
      pool.getHikariPoolMXBean().softEvictConnections();
    }
  }

  /** Secret values that must never appear in a message about {@code target}. */
  public List<String> secretsOf(SqlTarget target) {
    Credentials credentials = lastUsed.get(key(target));
    List<String> secrets = new ArrayList<>();
    if (credentials != null) {
      secrets.add(credentials.password());
    }
    return secrets;
  }

  private HikariDataSource create(SqlTarget target) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("runbook-" + target.environment() + "-" + target.name());
    config.setJdbcUrl(target.jdbcUrl());
    config.setMaximumPoolSize(MAX_CONNECTIONS);
    config.setMinimumIdle(0);
    config.setIdleTimeout(IDLE.toMillis());
    config.setMaxLifetime(Duration.ofMinutes(10).toMillis());
    config.setConnectionTimeout(Math.max(250, connectTimeout.toMillis()));
    config.setInitializationFailTimeout(-1);
    config.setAutoCommit(true);
    config.setCredentialsProvider(
        () -> {
          Credentials credentials = target.credentials().fetch(target.secretId());
          lastUsed.put(key(target), credentials);
          return com.zaxxer.hikari.util.Credentials.of(
              credentials.username(), credentials.password());
        });
    switch (target.engine()) {
      case POSTGRESQL -> {
        config.addDataSourceProperty("stringtype", "unspecified");
        config.addDataSourceProperty(
            "connectTimeout", String.valueOf(Math.max(1, connectTimeout.toSeconds())));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "runbook-worker");
      }
      case MYSQL, MARIADB -> {
        config.addDataSourceProperty(
            "connectTimeout", String.valueOf(Math.max(250, connectTimeout.toMillis())));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("useServerPrepStmts", "true");
      }
    }
    return new HikariDataSource(config);
  }

  /** Where the pool connects is part of its key: a tunnel opened again may listen elsewhere. */
  private static String key(SqlTarget target) {
    return target.environment() + "/" + target.name() + "@" + target.host() + ":" + target.port();
  }

  @Override
  public void close() {
    closed = true;
    pools.values().forEach(HikariDataSource::close);
    pools.clear();
    lastUsed.clear();
  }
}
