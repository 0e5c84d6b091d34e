package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.workflow.FailureType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code sql.terminate-sessions}: ends the given sessions (PostgreSQL {@code pg_terminate_backend},
 * MySQL/MariaDB {@code KILL CONNECTION}), only those connected to the target's database. Never the
 * engine's own sessions (the worker's connection; on PostgreSQL every session whose {@code
 * application_name} starts with {@code runbook}), and not superuser or replication sessions unless
 * the step says {@code allowPrivileged: true}. A session already gone is reported, not an error, so
 * a retry after success changes nothing.
 */
final class SessionTerminator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** What is known of a session connected to the target's database. */
  private record Found(boolean engine, boolean superuser, boolean replication, String user) {}

  StepResult terminate(ConnectionPools pools, SqlTarget target, StepRequest request) {
    JsonNode with = request.with();
    String reason = Inputs.text(with, "reason");
    boolean allowPrivileged = with.path("allowPrivileged").asBoolean(false);
    Set<Long> ids = ids(with.path("sessions"));
    List<Long> terminated = new ArrayList<>();
    List<Long> notFound = new ArrayList<>();
    Map<Long, String> refused = new LinkedHashMap<>();
    try (Session session = Session.open(pools, target)) {
      try {
        session.connection.setAutoCommit(true);
        boolean pg = session.dialect instanceof Dialect.Postgres;
        long own = own(session, pg);
        for (long id : ids) {
          if (id == own) {
            refused.put(id, "the worker's own session");
            continue;
          }
          Optional<Found> found = find(session, pg, id);
          if (found.isEmpty()) {
            notFound.add(id);
            continue;
          }
          Optional<String> why = refusal(found.get(), allowPrivileged);
          if (why.isPresent()) {
            refused.put(id, why.get());
            continue;
          }
          (kill(session, pg, id) ? terminated : notFound).add(id);
        }
      } catch (SQLException e) {
        throw session.fail(e, "terminating sessions");
      }
    }
    return result(target, ids.size(), terminated, notFound, refused, reason);
  }

  /**
   * Session ids: integers, or rows of an earlier {@code sql.query} whose first column is the id
   * ({@code ${{ steps.candidates.outputs.rows }}}).
   */
  private static Set<Long> ids(JsonNode sessions) {
    if (!sessions.isArray() || sessions.isEmpty()) {
      throw FailureType.INVALID_PLAN.failure("sessions: expected a list of session ids");
    }
    Set<Long> ids = new LinkedHashSet<>();
    for (JsonNode item : sessions) {
      JsonNode id = item.isArray() && !item.isEmpty() ? item.get(0) : item;
      if (!id.canConvertToLong() || id.asLong() < 1) {
        throw FailureType.INVALID_PLAN.failure("sessions: expected positive integers, got " + item);
      }
      ids.add(id.asLong());
    }
    return ids;
  }

  private static Optional<String> refusal(Found session, boolean allowPrivileged) {
    if (session.engine()) {
      return Optional.of("a session of the runbook engine");
    }
    if (allowPrivileged) {
      return Optional.empty();
    }
    if (session.replication()) {
      return Optional.of("a replication session (allowPrivileged: true to end it)");
    }
    if (session.superuser()) {
      return Optional.of(
          "a superuser session of " + session.user() + " (allowPrivileged: true to end it)");
    }
    return Optional.empty();
  }

  private static long own(Session session, boolean pg) throws SQLException {
    try (Statement s = session.connection.createStatement();
        ResultSet rs = s.executeQuery(pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Optional<Found> find(Session session, boolean pg, long id) throws SQLException {
    // PostgreSQL: walsenders have no database, so replication is looked up by pid alone.
    String sql =
        pg
            ? "SELECT coalesce(a.application_name, '') LIKE 'runbook%', coalesce(r.rolsuper, false),"
                + " a.backend_type = 'walsender', coalesce(a.usename, '')"
                + " FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.rolname = a.usename"
                + " WHERE a.pid = ? AND (a.datname = current_database()"
                + " OR a.backend_type = 'walsender')"
            : "SELECT false, USER IN ('root', 'system user', 'event_scheduler'),"
                + " COMMAND LIKE 'Binlog Dump%', USER"
                + " FROM information_schema.PROCESSLIST WHERE ID = ?"
                + " AND (DB = DATABASE() OR COMMAND LIKE 'Binlog Dump%')";
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Found(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getString(4)));
      }
    }
  }

  /** True when the session was ended, false when it was gone meanwhile. */
  private static boolean kill(Session session, boolean pg, long id) throws SQLException {
    if (pg) {
      try (PreparedStatement ps =
          session.connection.prepareStatement("SELECT pg_terminate_backend(?)")) {
        ps.setInt(1, (int) id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getBoolean(1);
        }
      }
    }
    try (Statement s = session.connection.createStatement()) {
      s.execute("KILL CONNECTION " + id); // id is a validated long, never text
      return true;
    } catch (SQLException e) {
      if (e.getErrorCode() != 1094) { // unknown thread id: gone meanwhile
        throw e;
      }
      return false;
    }
  }

  private static StepResult result(
      SqlTarget target,
      int asked,
      List<Long> terminated,
      List<Long> notFound,
      Map<Long, String> refused,
      String reason) {
    ObjectNode outputs = NODES.objectNode();
    ArrayNode done = outputs.putArray("terminated");
    terminated.forEach(done::add);
    ArrayNode gone = outputs.putArray("notFound");
    notFound.forEach(gone::add);
    ArrayNode kept = outputs.putArray("refused");
    refused.keySet().forEach(kept::add);
    ObjectNode why = outputs.putObject("refusedWhy");
    refused.forEach((id, text) -> why.put(String.valueOf(id), text));
    outputs.put("reason", reason);
    List<String> refusals = new ArrayList<>();
    refused.forEach((id, text) -> refusals.add(id + " (" + text + ")"));
    return new StepResult(
        outputs,
        "terminated "
            + terminated.size()
            + " of "
            + asked
            + " session(s) on "
            + target.name()
            + (notFound.isEmpty() ? "" : "; not connected to it: " + notFound)
            + (refused.isEmpty() ? "" : "; refused: " + String.join(", ", refusals))
            + "; reason: "
            + reason);
  }
}
