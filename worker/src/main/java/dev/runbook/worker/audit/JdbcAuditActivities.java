package dev.runbook.worker.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.AuditActivities;
import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.activities.AuditReceipt;
import dev.runbook.engine.audit.Redaction;
import dev.runbook.engine.audit.StepEffects;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.workflow.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the interpreter's audit batches into the {@link AuditStore}, one transaction per batch.
 * Idempotent: rows are keyed by run and position, so a resent batch rewrites the same rows. Only
 * redacted inputs ({@link Redaction}) and what {@link StepEffects} extracts are stored: no query
 * result rows, no previews, no bind values.
 */
public final class JdbcAuditActivities implements AuditActivities, AutoCloseable {
  private static final ObjectMapper JSON = PlanJson.mapper();

  private final AuditStore store;

  public JdbcAuditActivities(AuditStore store) {
    this.store = store;
  }

  @Override
  public AuditReceipt record(AuditBatch batch) {
    try (Connection c = store.connect()) {
      c.setAutoCommit(false);
      try {
        write(c, batch);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      // Retried by the interpreter's batch policy; the message names no secret.
      throw FailureType.TRANSIENT.failure(
          "audit store "
              + store.describe()
              + ": "
              + AuditStoreException.firstLine(e.getMessage(), null));
    }
    return AuditReceipt.written();
  }

  private static void write(Connection c, AuditBatch batch) throws SQLException {
    String runId = batch.runId();
    AuditBatch.Run run = batch.run();
    if (run.plan() != null) {
      JsonNode plan = Redaction.plan(JSON.valueToTree(run.plan()));
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO audit_run (run_id, runbook, runbook_version, runbook_sha256, target,"
                  + " environment, launcher, ticket, params, plan, plan_hash, status, failure,"
                  + " started_at, ended_at, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?::json, ?, ?, ?, ?, ?, now())"
                  + " ON CONFLICT (run_id) DO NOTHING")) {
        s.setString(1, runId);
        s.setString(2, run.plan().runbook().name());
        s.setInt(3, run.plan().runbook().version());
        s.setString(4, run.plan().runbook().sha256());
        s.setString(5, run.plan().target());
        s.setString(6, nz(run.environment()));
        s.setString(7, nz(run.launcher()));
        s.setString(8, run.ticket());
        s.setString(9, json(plan.path("params")));
        s.setString(10, json(plan));
        s.setString(11, run.plan().hash());
        s.setString(12, run.status());
        s.setString(13, nz(run.failure()));
        s.setObject(14, time(run.startedAt()));
        setTime(s, 15, run.endedAt());
        s.executeUpdate();
      }
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE audit_run SET environment = ?, status = ?, failure = ?, ended_at = ?,"
                + " updated_at = now() WHERE run_id = ?")) {
      s.setString(1, nz(run.environment()));
      s.setString(2, run.status());
      s.setString(3, nz(run.failure()));
      setTime(s, 4, run.endedAt());
      s.setString(5, runId);
      if (s.executeUpdate() == 0) {
        throw FailureType.CONFIGURATION.failure(
            "audit store " + "has no run " + runId + " and the batch carries no plan");
      }
    }
    for (AuditBatch.Step step : batch.steps()) {
      writeStep(c, runId, step);
    }
    for (AuditBatch.Approval a : batch.approvals()) {
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO audit_approval (run_id, seq, gate, approver, decision, comment,"
                  + " decided_at, plan_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (run_id, seq) DO NOTHING")) {
        s.setString(1, runId);
        s.setInt(2, a.seq());
        s.setString(3, a.gate());
        s.setString(4, a.approver());
        s.setString(5, a.decision());
        s.setString(6, nz(a.comment()));
        s.setObject(7, time(a.at()));
        s.setString(8, nz(a.planHash()));
        s.executeUpdate();
      }
    }
    for (AuditBatch.Compensation u : batch.compensations()) {
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO audit_compensation (run_id, seq, environment, for_step, uses, outcome,"
                  + " message, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (run_id, seq) DO NOTHING")) {
        s.setString(1, runId);
        s.setInt(2, u.seq());
        s.setString(3, u.environment());
        s.setString(4, u.forStep());
        s.setString(5, u.uses());
        s.setString(6, u.outcome());
        s.setString(7, nz(u.message()));
        s.setObject(8, time(u.at()));
        s.executeUpdate();
      }
    }
    for (AuditBatch.Refusal r : batch.refusals()) {
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO audit_refusal (run_id, seq, text, recorded_at) VALUES (?, ?, ?, ?)"
                  + " ON CONFLICT (run_id, seq) DO NOTHING")) {
        s.setString(1, runId);
        s.setInt(2, r.seq());
        s.setString(3, r.text());
        s.setObject(4, time(r.at()));
        s.executeUpdate();
      }
    }
  }

  private static void writeStep(Connection c, String runId, AuditBatch.Step step)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO audit_step (run_id, seq, environment, step_id, uses, name, outcome,"
                + " summary, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (run_id, seq) DO UPDATE SET outcome = excluded.outcome,"
                + " summary = excluded.summary, finished_at = excluded.finished_at")) {
      s.setString(1, runId);
      s.setInt(2, step.seq());
      s.setString(3, step.environment());
      s.setString(4, step.stepId());
      s.setString(5, step.uses());
      s.setString(6, step.name());
      s.setString(7, step.outcome());
      s.setString(8, nz(step.summary()));
      s.setObject(9, time(step.startedAt()));
      setTime(s, 10, step.finishedAt());
      s.executeUpdate();
    }
    List<StepEffects.Sql> sql = new ArrayList<>();
    List<StepEffects.Resource> resources = new ArrayList<>();
    for (AuditBatch.Call call : step.calls()) {
      JsonNode with = Redaction.tree(call.with());
      sql.addAll(StepEffects.sql(step.uses(), call.phase(), with, call.outputs()));
      if (!"preview".equals(call.phase())) {
        resources.addAll(StepEffects.resources(step.uses(), with, call.outputs()));
      }
    }
    for (String table : List.of("audit_sql", "audit_resource")) {
      try (PreparedStatement s =
          c.prepareStatement("DELETE FROM " + table + " WHERE run_id = ? AND step_seq = ?")) {
        s.setString(1, runId);
        s.setInt(2, step.seq());
        s.executeUpdate();
      }
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO audit_sql (run_id, step_seq, seq, phase, database_name, sql_text,"
                + " row_count) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (int i = 0; i < sql.size(); i++) {
        StepEffects.Sql q = sql.get(i);
        s.setString(1, runId);
        s.setInt(2, step.seq());
        s.setInt(3, i);
        s.setString(4, q.phase());
        s.setString(5, q.database());
        s.setString(6, q.sql());
        s.setLong(7, q.rows());
        s.addBatch();
      }
      s.executeBatch();
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO audit_resource (run_id, step_seq, seq, kind, resource_id, action)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      for (int i = 0; i < resources.size(); i++) {
        StepEffects.Resource r = resources.get(i);
        s.setString(1, runId);
        s.setInt(2, step.seq());
        s.setInt(3, i);
        s.setString(4, r.kind());
        s.setString(5, r.id());
        s.setString(6, r.action());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  private static void setTime(PreparedStatement s, int index, long millis) throws SQLException {
    if (millis <= 0) {
      s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      s.setObject(index, time(millis));
    }
  }

  private static OffsetDateTime time(long millis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  private static String json(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  @Override
  public void close() {
    store.close();
  }
}
