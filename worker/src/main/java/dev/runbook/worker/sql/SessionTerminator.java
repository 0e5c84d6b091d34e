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
    Outcome outcome;
    try (Session session = Session.open(pools, target)) {
      try {
        session.connection.setAutoCommit(true);
        outcome = end(session, ids, allowPrivileged);
      } catch (SQLException e) {
        throw session.fail(e, "terminating sessions");
      }
    }
    return result(target, ids.size(), outcome, reason, "", "");
  }

  /**
   * {@code tunnelSessions: true}, the lease-end cleanup: the sessions of the database's access user
   * connected from the environment's {@code access.tunnelSources}, through the same guards as given
   * ids. Nothing happens unless the environment asks ({@code access.terminateSessions}); the access
   * user must not be the engine's, whose sessions arrive from the same jump box.
   */
  StepResult terminateTunnelSessions(
      ConnectionPools pools,
      SqlTarget target,
      SqlTargets.TunnelAccess access,
      StepRequest request) {
    String reason = Inputs.text(request.with(), "reason");
    if (!access.terminateSessions()) {
      String why =
          target.environment() + " does not ask for it (access.terminateSessions is not true)";
      return result(target, 0, new Outcome(), reason, why, "");
    }
    SourceAddresses sources = SourceAddresses.of(access.sources());
    if (access.sources().isEmpty()) {
      throw FailureType.CONFIGURATION.failure(
          "access.terminateSessions of "
              + target.environment()
              + " needs access.tunnelSources: where the databases see tunnel connections from");
    }
    String engineUser = username(target, target.secretId());
    String accessUser = access.own() ? username(target, access.accessSecretId()) : engineUser;
    if (accessUser.equals(engineUser)) {
      throw FailureType.CONFIGURATION.failure(
          "databases."
              + target.name()
              + " of "
              + target.environment()
              + ": temporary access logs in as the engine's own user "
              + engineUser
              + ", whose sessions through the jump box cannot be told from the engine's; give the"
              + " database an accessSecretId with a user of its own");
    }
    Outcome outcome;
    Set<Long> ids;
    try (Session session = Session.open(pools, target)) {
      try {
        session.connection.setAutoCommit(true);
        ids = tunnelled(session, accessUser, sources);
        outcome = end(session, ids, false);
      } catch (SQLException e) {
        throw session.fail(e, "terminating the sessions of " + accessUser);
      }
    }
    return result(
        target,
        ids.size(),
        outcome,
        reason,
        "",
        "session(s) of " + accessUser + " from " + sources + " ");
  }

  private static String username(SqlTarget target, String secretId) {
    try {
      return target.credentials().fetch(secretId).username();
    } catch (CredentialSource.CredentialException e) {
      throw FailureType.CONFIGURATION.failure(e.getMessage());
    }
  }

  /** The ids of {@code user}'s sessions on the target's database coming from {@code sources}. */
  private static Set<Long> tunnelled(Session session, String user, SourceAddresses sources)
      throws SQLException {
    boolean pg = session.dialect instanceof Dialect.Postgres;
    if (pg && !readsAllStats(session)) {
      // without it, other roles' client addresses read as null: nothing would ever match
      throw FailureType.CONFIGURATION.failure(
          "the engine's user on "
              + session.target.name()
              + " cannot see where other users' sessions come from: grant it pg_read_all_stats"
              + " (and pg_signal_backend to end them)");
    }
    String sql =
        pg
            ? "SELECT pid, host(client_addr) FROM pg_stat_activity WHERE datname ="
                + " current_database() AND usename = ? AND client_addr IS NOT NULL ORDER BY pid"
            : "SELECT ID, HOST FROM information_schema.PROCESSLIST WHERE USER = ?"
                + " AND DB = DATABASE() ORDER BY ID";
    Set<Long> ids = new LinkedHashSet<>();
    try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (sources.contains(rs.getString(2))) {
            ids.add(rs.getLong(1));
          }
        }
      }
    }
    return ids;
  }

  private static boolean readsAllStats(Session session) throws SQLException {
    try (Statement s = session.connection.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /** What became of the sessions asked for. */
  private static final class Outcome {
    final List<Long> terminated = new ArrayList<>();
    final List<Long> notFound = new ArrayList<>();
    final Map<Long, String> refused = new LinkedHashMap<>();
  }

  /** Ends each of {@code ids} that the guards allow. */
  private static Outcome end(Session session, Set<Long> ids, boolean allowPrivileged)
      throws SQLException {
    Outcome outcome = new Outcome();
    boolean pg = session.dialect instanceof Dialect.Postgres;
    long own = own(session, pg);
    for (long id : ids) {
      if (id == own) {
        outcome.refused.put(id, "the worker's own session");
        continue;
      }
      Optional<Found> found = find(session, pg, id);
      if (found.isEmpty()) {
        outcome.notFound.add(id);
        continue;
      }
      Optional<String> why = refusal(found.get(), allowPrivileged);
      if (why.isPresent()) {
        outcome.refused.put(id, why.get());
        continue;
      }
      (kill(session, pg, id) ? outcome.terminated : outcome.notFound).add(id);
    }
    return outcome;
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
      SqlTarget target, int asked, Outcome outcome, String reason, String skipped, String what) {
    ObjectNode outputs = NODES.objectNode();
    ArrayNode done = outputs.putArray("terminated");
    outcome.terminated.forEach(done::add);
    ArrayNode gone = outputs.putArray("notFound");
    outcome.notFound.forEach(gone::add);
    ArrayNode kept = outputs.putArray("refused");
    outcome.refused.keySet().forEach(kept::add);
    ObjectNode why = outputs.putObject("refusedWhy");
    outcome.refused.forEach((id, text) -> why.put(String.valueOf(id), text));
    outputs.put("reason", reason);
    outputs.put("skipped", skipped);
    if (!skipped.isEmpty()) {
      return new StepResult(outputs, "no sessions looked for on " + target.name() + ": " + skipped);
    }
    List<String> refusals = new ArrayList<>();
    outcome.refused.forEach((id, text) -> refusals.add(id + " (" + text + ")"));
    return new StepResult(
        outputs,
        "terminated "
            + outcome.terminated.size()
            + " of "
            + asked
            + " "
            + (what.isEmpty() ? "session(s) " : what)
            + "on "
            + target.name()
            + (outcome.notFound.isEmpty() ? "" : "; not connected to it: " + outcome.notFound)
            + (outcome.refused.isEmpty() ? "" : "; refused: " + String.join(", ", refusals))
            + "; reason: "
            + reason);
  }
}
