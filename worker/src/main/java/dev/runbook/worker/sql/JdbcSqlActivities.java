package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.sql.SqlFinding;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.workflow.FailureType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL steps over JDBC on PostgreSQL and MySQL/MariaDB. Targets come from the environment files
 * ({@link SqlTargets}); credentials are read when a pooled connection opens ({@link
 * CredentialSource}) and never appear in outputs, summaries or failure messages.
 *
 * <ul>
 *   <li>{@code sql.query}: a read-only transaction with a statement timeout, bound {@code :name}
 *       values, at most {@code maxRows} rows ({@code truncated} tells), values capped, sensitive
 *       columns masked.
 *   <li>{@code sql.change}: see {@link ChangeRunner} (preview, apply, ledger, backup, verify).
 *   <li>{@code sql.backup}, {@code sql.restore}: see {@link BackupRunner}.
 *   <li>{@code sql.export}: see {@link ExportRunner}.
 *   <li>{@code sql.terminate-sessions}: see {@link SessionTerminator}.
 * </ul>
 *
 * <p>Idempotency: queries, previews and exports change nothing; a change is applied at most once
 * per idempotency key (its ledger row commits with it); a backup is taken once per key; a restore
 * puts the same rows back however often it runs.
 */
public final class JdbcSqlActivities implements SqlActivities, AutoCloseable {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
  static final int DEFAULT_MAX_ROWS = 1000;

  private final SqlTargets targets;
  private final SqlSettings settings;
  private final ConnectionPools pools;
  private final ChangeRunner changes;
  private final BackupRunner backups;
  private final ExportRunner exports;

  public JdbcSqlActivities(SqlTargets targets, SqlSettings settings) {
    this.targets = targets;
    this.settings = settings;
    this.pools = new ConnectionPools(settings.connectTimeout());
    this.changes = new ChangeRunner(settings);
    this.backups = new BackupRunner(settings);
    this.exports = new ExportRunner(settings);
  }

  @Override
  public StepResult query(StepRequest request) {
    JsonNode with = request.with();
    SqlTarget target = targets.forStep(request.environment(), request.runId(), with);
    String sql = Inputs.text(with, "query");
    guardQuery(sql, "query");
    JsonNode bind = Inputs.bind(with.get("bind"), "bind");
    int maxRows = maxRows(with);
    Duration timeout = Inputs.duration(with, "statementTimeout", QUERY_TIMEOUT);
    SensitiveColumns sensitive = new SensitiveColumns(target.sensitiveColumns());
    try (Session session = Session.open(pools, target)) {
      try {
        session.begin(true, timeout, timeout);
        ObjectNode outputs = NODES.objectNode();
        try (PreparedStatement statement = Binds.prepare(session.connection, sql, bind)) {
          statement.setMaxRows(maxRows + 1);
          statement.setFetchSize(Math.min(maxRows + 1, 500));
          clientTimeout(session, statement, timeout);
          try (ResultSet rows = statement.executeQuery()) {
            List<Rows.Column> columns = Rows.columns(rows);
            boolean[] masked = sensitive.mask(columns, sql, null);
            ArrayNode names = outputs.putArray("columns");
            columns.forEach(c -> names.add(c.label()));
            ArrayNode out = NODES.arrayNode();
            long bytes = 0;
            boolean truncated = false;
            while (rows.next()) {
              if (out.size() == maxRows) {
                truncated = true;
                break;
              }
              String[] values = Rows.read(rows, columns);
              ArrayNode row = NODES.arrayNode();
              for (int i = 0; i < values.length; i++) {
                row.add(
                    masked[i] && values[i] != null
                        ? NODES.textNode(SensitiveColumns.MASK)
                        : Rows.json(columns.get(i), values[i], settings.queryCellChars()));
              }
              bytes += row.toString().length();
              if (bytes > settings.outputBytes()) {
                truncated = true;
                outputs.put(
                    "truncatedReason",
                    "the rows exceed " + settings.outputBytes() / 1024 + " KiB of step outputs");
                break;
              }
              out.add(row);
            }
            outputs.set("rows", out);
            outputs.put("rowCount", out.size());
            outputs.put("truncated", truncated);
            ArrayNode maskedNames = outputs.putArray("masked");
            for (int i = 0; i < masked.length; i++) {
              if (masked[i]) {
                maskedNames.add(columns.get(i).label());
              }
            }
          }
        }
        session.connection.commit();
        int count = outputs.get("rowCount").asInt();
        return new StepResult(
            outputs,
            count
                + (count == 1 ? " row" : " rows")
                + " from "
                + target.name()
                + (outputs.get("truncated").asBoolean() ? " (truncated)" : "")
                + " in a read-only transaction");
      } catch (SQLException e) {
        session.rollbackQuietly();
        throw session.fail(e, "the query");
      }
    }
  }

  @Override
  public StepResult change(StepRequest request) {
    SqlTarget target = targets.forStep(request.environment(), request.runId(), request.with());
    return changes.change(pools, target, request);
  }

  @Override
  public StepResult backup(StepRequest request) {
    SqlTarget target = targets.forStep(request.environment(), request.runId(), request.with());
    return backups.backup(pools, target, request);
  }

  @Override
  public StepResult restore(StepRequest request) {
    SqlTarget target = targets.get(request.environment(), Inputs.text(request.with(), "database"));
    return backups.restore(pools, target, request);
  }

  @Override
  public StepResult export(StepRequest request) {
    SqlTarget target = targets.forStep(request.environment(), request.runId(), request.with());
    return exports.export(pools, target, request);
  }

  @Override
  public StepResult terminateSessions(StepRequest request) {
    String database = Inputs.text(request.with(), "database");
    SqlTarget target = targets.get(request.environment(), database);
    if (request.with().path("tunnelSessions").asBoolean(false)) {
      return new SessionTerminator()
          .terminateTunnelSessions(
              pools, target, targets.access(request.environment(), database), request);
    }
    return new SessionTerminator().terminate(pools, target, request);
  }

  /**
   * Lets go of this worker's connections to {@code target}: idle ones close now, busy ones when
   * they are returned; with {@code dropPool} the pool itself goes (its database is being dropped).
   * The {@code local} cloud provider calls it before copying or dropping a database, which
   * PostgreSQL refuses while sessions are connected to it.
   */
  public void releaseConnections(SqlTarget target, boolean dropPool) {
    pools.release(target, dropPool);
  }

  /** Closes every connection pool (the worker does on shutdown). */
  @Override
  public void close() {
    pools.close();
  }

  /** Refuses (GUARD_VIOLATION) a query the guards reject in a read-only context. */
  static void guardQuery(String sql, String what) {
    SqlAnalysis analysis = SqlGuard.analyze(sql, SqlContext.QUERY);
    if (!analysis.ok()) {
      throw FailureType.GUARD_VIOLATION.failure(
          what
              + " refused by the guards at run time: "
              + analysis.findings().stream()
                  .map(SqlFinding::message)
                  .collect(Collectors.joining("; ")));
    }
  }

  /** MySQL 8 has no server-side timeout for writes: the driver cancels instead. */
  static void clientTimeout(Session session, PreparedStatement statement, Duration timeout)
      throws SQLException {
    if (session.dialect instanceof Dialect.MySql mysql && !mysql.mariadb()) {
      statement.setQueryTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
    }
  }

  private static int maxRows(JsonNode with) {
    JsonNode value = with.path("maxRows");
    if (value.isMissingNode() || value.isNull()) {
      return DEFAULT_MAX_ROWS;
    }
    if (!value.isIntegralNumber() || value.asLong() < 1 || value.asLong() > 10_000) {
      throw FailureType.INVALID_PLAN.failure("maxRows: expected 1 to 10000, got " + value);
    }
    return value.asInt();
  }
}
