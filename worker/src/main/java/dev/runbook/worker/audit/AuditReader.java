package dev.runbook.worker.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.audit.StepEffects;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads runs back from the {@link AuditStore} for {@code runbook audit}. */
public final class AuditReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuditStore store;

  public AuditReader(AuditStore store) {
    this.store = store;
  }

  /** One line of {@code runbook audit --list}. */
  public record RunLine(
      String runId,
      String runbook,
      int version,
      String target,
      String launcher,
      String ticket,
      String status,
      Instant startedAt,
      Instant endedAt,
      int approvals,
      int steps) {}

  /** Runs started at or after {@code since}, newest first; {@code target} null means any. */
  public List<RunLine> list(Instant since, String target, int limit) {
    String sql =
        "SELECT r.run_id, r.runbook, r.runbook_version, r.target, r.launcher, r.ticket, r.status,"
            + " r.started_at, r.ended_at,"
            + " (SELECT count(*) FROM audit_approval a WHERE a.run_id = r.run_id),"
            + " (SELECT count(*) FROM audit_step s WHERE s.run_id = r.run_id)"
            + " FROM audit_run r WHERE r.started_at >= ?"
            + (target == null ? "" : " AND r.target = ?")
            + " ORDER BY r.started_at DESC, r.run_id LIMIT ?";
    List<RunLine> lines = new ArrayList<>();
    try (Connection c = store.connect();
        PreparedStatement s = c.prepareStatement(sql)) {
      int i = 1;
      s.setObject(i++, OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC));
      if (target != null) {
        s.setString(i++, target);
      }
      s.setInt(i, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          lines.add(
              new RunLine(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getInt(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  instant(rs, 8),
                  instant(rs, 9),
                  rs.getInt(10),
                  rs.getInt(11)));
        }
      }
    } catch (SQLException e) {
      throw failure(e);
    }
    return lines;
  }

  /** The whole record of one run, or empty when the store has none. */
  public Optional<RunAudit> read(String runId) {
    try (Connection c = store.connect()) {
      RunAudit run = null;
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT runbook, runbook_version, runbook_sha256, target, environment, launcher,"
                  + " ticket, params::text, plan::text, plan_hash, status, failure, started_at,"
                  + " ended_at FROM audit_run WHERE run_id = ?")) {
        s.setString(1, runId);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          run =
              new RunAudit(
                  "audit-store",
                  runId,
                  rs.getString(1),
                  rs.getInt(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  tree(rs.getString(8)),
                  tree(rs.getString(9)),
                  rs.getString(10),
                  rs.getString(11),
                  rs.getString(12),
                  instant(rs, 13),
                  instant(rs, 14),
                  steps(c, runId),
                  approvals(c, runId),
                  compensations(c, runId),
                  refusals(c, runId),
                  "");
        }
      }
      return Optional.of(run);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private static List<RunAudit.Step> steps(Connection c, String runId) throws SQLException {
    Map<Integer, List<StepEffects.Sql>> sql = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT step_seq, phase, database_name, sql_text, row_count FROM audit_sql"
                + " WHERE run_id = ? ORDER BY step_seq, seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          sql.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
              .add(
                  new StepEffects.Sql(
                      rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
        }
      }
    }
    Map<Integer, List<StepEffects.Resource>> resources = new LinkedHashMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT step_seq, kind, resource_id, action FROM audit_resource"
                + " WHERE run_id = ? ORDER BY step_seq, seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          resources
              .computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
              .add(new StepEffects.Resource(rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
    }
    List<RunAudit.Step> steps = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT seq, environment, step_id, uses, name, outcome, summary, started_at,"
                + " finished_at FROM audit_step WHERE run_id = ? ORDER BY seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          int seq = rs.getInt(1);
          steps.add(
              new RunAudit.Step(
                  seq,
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  instant(rs, 8),
                  instant(rs, 9),
                  sql.getOrDefault(seq, List.of()),
                  resources.getOrDefault(seq, List.of())));
        }
      }
    }
    return steps;
  }

  private static List<RunAudit.Approval> approvals(Connection c, String runId) throws SQLException {
    List<RunAudit.Approval> out = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT gate, approver, decision, comment, decided_at, plan_hash FROM audit_approval"
                + " WHERE run_id = ? ORDER BY seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(
              new RunAudit.Approval(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  instant(rs, 5),
                  rs.getString(6)));
        }
      }
    }
    return out;
  }

  private static List<RunAudit.Compensation> compensations(Connection c, String runId)
      throws SQLException {
    List<RunAudit.Compensation> out = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT environment, for_step, uses, outcome, message, recorded_at"
                + " FROM audit_compensation WHERE run_id = ? ORDER BY seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(
              new RunAudit.Compensation(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  instant(rs, 6)));
        }
      }
    }
    return out;
  }

  private static List<RunAudit.Refusal> refusals(Connection c, String runId) throws SQLException {
    List<RunAudit.Refusal> out = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT text, recorded_at FROM audit_refusal WHERE run_id = ? ORDER BY seq")) {
      s.setString(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new RunAudit.Refusal(rs.getString(1), instant(rs, 2)));
        }
      }
    }
    return out;
  }

  private AuditStoreException failure(SQLException e) {
    return new AuditStoreException(
        "audit store "
            + store.describe()
            + ": "
            + AuditStoreException.firstLine(e.getMessage(), null));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the store holds JSON it wrote", e);
    }
  }
}
