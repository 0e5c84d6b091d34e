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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code sql.terminate-sessions}: ends the given sessions (PostgreSQL {@code pg_terminate_backend},
 * MySQL/MariaDB {@code KILL CONNECTION}), only those connected to the target's database and never
 * the worker's own. A session already gone is reported, not an error, so a retry after success
 * changes nothing.
 */
final class SessionTerminator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  StepResult terminate(ConnectionPools pools, SqlTarget target, StepRequest request) {
    JsonNode with = request.with();
    String reason = Inputs.text(with, "reason");
    Set<Long> ids = new LinkedHashSet<>();
    JsonNode sessions = with.path("sessions");
    if (!sessions.isArray() || sessions.isEmpty()) {
      throw FailureType.INVALID_PLAN.failure("sessions: expected a list of session ids");
    }
    for (JsonNode id : sessions) {
      if (!id.canConvertToLong() || id.asLong() < 1) {
        throw FailureType.INVALID_PLAN.failure("sessions: expected positive integers, got " + id);
      }
      ids.add(id.asLong());
    }
    List<Long> terminated = new ArrayList<>();
    List<Long> notFound = new ArrayList<>();
    List<Long> refused = new ArrayList<>();
    try (Session session = Session.open(pools, target)) {
      try {
        session.connection.setAutoCommit(true);
        boolean pg = session.dialect instanceof Dialect.Postgres;
        long own = own(session, pg);
        for (long id : ids) {
          if (id == own) {
            refused.add(id);
            continue;
          }
          if (!connectedHere(session, pg, id)) {
            notFound.add(id);
            continue;
          }
          if (pg) {
            try (PreparedStatement ps =
                session.connection.prepareStatement("SELECT pg_terminate_backend(?)")) {
              ps.setInt(1, (int) id);
              try (ResultSet rs = ps.executeQuery()) {
                (rs.next() && rs.getBoolean(1) ? terminated : notFound).add(id);
              }
            }
          } else {
            try (Statement s = session.connection.createStatement()) {
              s.execute("KILL CONNECTION " + id); // id is a validated long, never text
              terminated.add(id);
            } catch (SQLException e) {
              if (e.getErrorCode() != 1094) { // unknown thread id: gone meanwhile
                throw e;
              }
              notFound.add(id);
            }
          }
        }
      } catch (SQLException e) {
        throw session.fail(e, "terminating sessions");
      }
    }
    ObjectNode outputs = NODES.objectNode();
    ArrayNode done = outputs.putArray("terminated");
    terminated.forEach(done::add);
    ArrayNode gone = outputs.putArray("notFound");
    notFound.forEach(gone::add);
    ArrayNode kept = outputs.putArray("refused");
    refused.forEach(kept::add);
    outputs.put("reason", reason);
    return new StepResult(
        outputs,
        "terminated "
            + terminated.size()
            + " of "
            + ids.size()
            + " session(s) on "
            + target.name()
            + (notFound.isEmpty() ? "" : "; not connected to it: " + notFound)
            + (refused.isEmpty() ? "" : "; refused (the worker's own): " + refused)
            + "; reason: "
            + reason);
  }

  private static long own(Session session, boolean pg) throws SQLException {
    try (Statement s = session.connection.createStatement();
        ResultSet rs = s.executeQuery(pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean connectedHere(Session session, boolean pg, long id) throws SQLException {
    String sql =
        pg
            ? "SELECT 1 FROM pg_stat_activity WHERE pid = ? AND datname = current_database()"
            : "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ? AND DB = DATABASE()";
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
