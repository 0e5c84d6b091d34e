package dev.runbook.worker.local.cloud;

import dev.runbook.worker.sql.SqlTarget;

/**
 * The worker's own pooled connections to a database, which the provider lets go before copying or
 * dropping it (PostgreSQL refuses both while sessions are connected): the SQL steps' {@code
 * JdbcSqlActivities#releaseConnections}.
 */
@FunctionalInterface
public interface PooledConnections {
  /** Closes idle connections to {@code target} now and busy ones when returned. */
  void release(SqlTarget target, boolean dropPool);

  /** For a worker without SQL steps. */
  PooledConnections NONE = (target, dropPool) -> {};
}
