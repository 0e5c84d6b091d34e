package dev.runbook.worker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.engine.activities.AuditBatch;
import dev.runbook.engine.audit.StepEffects;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit store's schema, managed by the Flyway migrations shipped in the worker: from an empty
 * database to the newest version, and from version 1 holding data to the newest, keeping the data.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuditStoreMigrationTest {
  private static Connection connect(AuditStoreConfig config) throws SQLException {
    return DriverManager.getConnection(config.url(), config.user(), config.password());
  }

  private static List<String> tables(AuditStoreConfig config) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection c = connect(config);
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema ="
                        + " 'public' ORDER BY table_name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }

  @Test
  void anEmptyDatabaseIsMigratedToTheNewestVersionAndOpeningAgainChangesNothing() throws Exception {
    AuditStoreConfig config = AuditDatabases.config("audit_fresh");
    try (AuditStore store = AuditStore.open(config)) {
      assertEquals("2", store.schemaVersion());
    }
    List<String> after = tables(config);
    assertEquals(
        List.of(
            "audit_approval",
            "audit_compensation",
            "audit_refusal",
            "audit_resource",
            "audit_run",
            "audit_schema_history",
            "audit_sql",
            "audit_step"),
        after);
    try (AuditStore again = AuditStore.open(config);
        Connection c = connect(config);
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM audit_schema_history WHERE success")) {
      assertEquals("2", again.schemaVersion());
      assertTrue(rs.next());
      assertEquals(2, rs.getInt(1), "two migrations applied, once each");
    }
  }

  @Test
  void aVersionOneStoreHoldingRunsIsUpgradedKeepingThemAndTakesTheNewRecords() throws Exception {
    AuditStoreConfig config = AuditDatabases.config("audit_upgrade");
    try (AuditStore v1 = AuditStore.open(config, "1")) {
      assertEquals("1", v1.schemaVersion());
    }
    assertFalse(tables(config).contains("audit_sql"), "version 1 has no audit_sql yet");
    try (Connection c = connect(config);
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "INSERT INTO audit_run (run_id, runbook, runbook_version, runbook_sha256, target,"
              + " environment, launcher, ticket, params, plan, plan_hash, status, failure,"
              + " started_at, ended_at, updated_at) VALUES ('old-run-1', 'emergency-data-fix', 3,"
              + " 'abc', 'prod', 'prod', 'alice', 'OPS-7', '{\"database\":\"platform\"}',"
              + " '{\"target\":\"prod\"}', 'hash-1', 'COMPLETED', '',"
              + " '2026-01-05T09:00:00Z', '2026-01-05T09:30:00Z', now())");
      s.executeUpdate(
          "INSERT INTO audit_step VALUES ('old-run-1', 0, 'prod', 'fix', 'sql.change', 'Fix',"
              + " 'COMPLETED', '3 rows changed', '2026-01-05T09:01:00Z', '2026-01-05T09:02:00Z')");
      s.executeUpdate(
          "INSERT INTO audit_approval VALUES ('old-run-1', 0, 'prod/fix', 'bob', 'APPROVE',"
              + " 'ok', '2026-01-05T09:01:30Z', 'hash-1')");
    }

    try (AuditStore v2 = AuditStore.open(config)) {
      assertEquals("2", v2.schemaVersion());
      RunAudit old = new AuditReader(v2).read("old-run-1").orElseThrow();
      assertEquals(
          List.of("emergency-data-fix", "prod", "alice", "OPS-7", "COMPLETED", "hash-1"),
          List.of(
              old.runbook(),
              old.target(),
              old.launcher(),
              old.ticket(),
              old.status(),
              old.planHash()));
      assertEquals("platform", old.params().path("database").asText());
      assertEquals(1, old.steps().size());
      assertEquals("3 rows changed", old.steps().get(0).summary());
      assertEquals(List.of(), old.steps().get(0).sql(), "version 1 recorded no SQL");
      assertEquals("bob", old.approvals().get(0).approver());
      assertEquals("2026-01-05T09:01:30Z", old.approvals().get(0).at().toString());

      // the upgraded store takes version 2's records for the old run
      var with = JsonNodeFactory.instance.objectNode();
      with.put("database", "platform");
      with.putArray("statements").add("UPDATE invoices SET status = 'void' WHERE id = :id");
      var outputs = JsonNodeFactory.instance.objectNode();
      outputs.put("rowsAffected", 3);
      outputs.put("backupTable", "rb_bk_old_run_1_fix_1");
      new JdbcAuditActivities(v2)
          .record(
              new AuditBatch(
                  "old-run-1",
                  new AuditBatch.Run(
                      null, "alice", "OPS-7", "COMPLETED", "prod", "", 0, 1767604200000L),
                  List.of(
                      new AuditBatch.Step(
                          0,
                          "prod",
                          "fix",
                          "sql.change",
                          "Fix",
                          "COMPLETED",
                          "3 rows changed",
                          1767603660000L,
                          1767603720000L,
                          List.of(new AuditBatch.Call("apply", with, outputs)))),
                  List.of(),
                  List.of(),
                  List.of(new AuditBatch.Refusal(0, "carol: not in db-leads", 1767603700000L))));
      RunAudit upgraded = new AuditReader(v2).read("old-run-1").orElseThrow();
      assertEquals(
          List.of(
              new StepEffects.Sql(
                  "apply", "platform", "UPDATE invoices SET status = 'void' WHERE id = :id", 3)),
          upgraded.steps().get(0).sql());
      assertEquals(
          List.of(
              new StepEffects.Resource(
                  "backup-table", "platform.rb_bk_old_run_1_fix_1", "created")),
          upgraded.steps().get(0).resources());
      assertEquals("carol: not in db-leads", upgraded.refusals().get(0).text());
      assertEquals(1, upgraded.approvals().size(), "the old decision is still there, once");
    }
  }

  @Test
  void aWrongPasswordIsOneLineNamingTheStoreWithoutThePassword() {
    AuditStoreConfig right = AuditDatabases.config("audit_wrong_password");
    AuditStoreConfig wrong =
        new AuditStoreConfig(right.url(), right.user(), "canary-not-the-password");
    AuditStoreException e = assertThrows(AuditStoreException.class, () -> AuditStore.open(wrong));
    assertTrue(
        e.getMessage().startsWith("audit store " + right.url() + " as runbook: "), e.getMessage());
    assertFalse(e.getMessage().contains("canary-not-the-password"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());

    // a reader never migrates: a store no worker has set up is refused, and stays empty
    AuditStoreException empty =
        assertThrows(AuditStoreException.class, () -> AuditStore.openForReading(right));
    assertEquals(
        "audit store "
            + right.url()
            + " as runbook has no audit schema yet: a worker started with --audit-db-url creates"
            + " it",
        empty.getMessage());
  }
}
