package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.count;
import static dev.runbook.worker.sql.SqlServers.failure;
import static dev.runbook.worker.sql.SqlServers.json;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Faults: a connection killed mid-transaction, refused and missing credentials. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlFaultTest {

  static List<Db> databases() {
    return SqlServers.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aConnectionKilledMidTransactionAppliesNothingAndARetryThenSucceeds(Db db) throws Exception {
    String t = SqlServers.table(db);
    String before = content(db, t);
    String run = SqlServers.newRun();
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"statements\": [\"UPDATE "
                + t
                + " SET status = 'fixed' WHERE id IN (1, 2)\", \"UPDATE "
                + t
                + " SET amount = 0 WHERE id = 3\"], \"expectRows\": 3, \"lockTimeout\": \"30s\"}");
    StepRequest request = request(run, "fix", "sql.change", with, StepRequest.RUN, null);
    ApplicationFailure killed;
    try (Connection holder = db.connect();
        Connection admin = db.connect()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("UPDATE " + t + " SET name = name WHERE id = 3"); // the 2nd statement waits
      }
      CompletableFuture<StepResult> change =
          CompletableFuture.supplyAsync(() -> SqlServers.activities().change(request));
      long victim = waitingSession(db, admin, t);
      try (Statement s = admin.createStatement()) {
        s.execute(db.postgres() ? "SELECT pg_terminate_backend(" + victim + ")" : "KILL " + victim);
      }
      killed =
          failure(
              "TRANSIENT",
              () -> {
                try {
                  change.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                  throw e.getCause();
                }
              });
      holder.rollback();
    }
    assertTrue(
        killed
            .getOriginalMessage()
            .startsWith("the connection to " + db.name() + " (local) was lost"),
        killed.getOriginalMessage());
    assertTrue(killed.getOriginalMessage().contains("nothing was committed"));
    assertEquals(before, content(db, t), "nothing of the first statement was applied");
    assertEquals(
        0, count(db, "SELECT count(*) FROM runbook_change_ledger WHERE run_id = '" + run + "'"));

    StepResult retried = clean(SqlServers.activities().change(request));
    assertEquals(3, retried.outputs().path("rowsAffected").asInt());
    assertEquals(2, count(db, "SELECT count(*) FROM " + t + " WHERE status = 'fixed'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aStatementTimeoutInAChangeIsATypedFailureThatChangesNothing(Db db) {
    String t = SqlServers.table(db);
    String before = content(db, t);
    String slow =
        db.postgres()
            ? "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n <"
                + " 100000000) SELECT count(*) FROM r)"
            : "(SELECT count(*) FROM seq_1_to_100000 a, seq_1_to_100000 b)";
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"statements\": [\"UPDATE "
                + t
                + " SET status = 'x' WHERE id = 1\", \"UPDATE "
                + t
                + " SET amount = "
                + slow
                + " WHERE id = 2\"], \"statementTimeout\": \"300ms\"}");
    ApplicationFailure f =
        failure(
            "SQL_ERROR",
            () ->
                SqlServers.activities()
                    .change(request(SqlServers.newRun(), "fix", "sql.change", with, "run", null)));
    assertTrue(
        f.getOriginalMessage()
            .startsWith(
                "statement timeout: the change on " + db.name() + " (local) ran longer than 300ms"),
        f.getOriginalMessage());
    assertEquals(before, content(db, t));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void terminateSessionsEndsTheGivenSessionOfTheDatabaseAndOnlyReportsItTheSecondTime(Db db)
      throws Exception {
    try (Connection victim = db.connect()) {
      long id;
      try (Statement s = victim.createStatement();
          ResultSet r =
              s.executeQuery(
                  db.postgres() ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
        r.next();
        id = r.getLong(1);
      }
      JsonNode with =
          json(
              "{\"database\": \""
                  + db.name()
                  + "\", \"sessions\": ["
                  + id
                  + ", 999999], \"reason\": \"blocks the fix\"}");
      String run = SqlServers.newRun();
      StepResult first =
          clean(
              SqlServers.activities()
                  .terminateSessions(
                      request(run, "kill", "sql.terminate-sessions", with, "run", null)));
      assertEquals("[" + id + "]", first.outputs().path("terminated").toString());
      assertEquals("[999999]", first.outputs().path("notFound").toString());
      assertTrue(first.summary().endsWith("reason: blocks the fix"), first.summary());
      assertFalse(victim.isValid(2), "the session is gone");
      StepResult again =
          clean(
              SqlServers.activities()
                  .terminateSessions(
                      request(run, "kill", "sql.terminate-sessions", with, "run", null)));
      assertEquals("[]", again.outputs().path("terminated").toString());
    }
  }

  private static long sessionId(Connection c, Db db) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(db.postgres() ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")) {
      r.next();
      return r.getLong(1);
    }
  }

  private static StepResult terminate(Db db, long id, boolean allowPrivileged) throws Exception {
    JsonNode with =
        json(
            "{\"database\": \""
                + db.name()
                + "\", \"sessions\": [["
                + id
                + ", \"row of a sql.query\"]], \"reason\": \"stuck\", \"allowPrivileged\": "
                + allowPrivileged
                + "}");
    return clean(
        SqlServers.activities()
            .terminateSessions(
                request(SqlServers.newRun(), "kill", "sql.terminate-sessions", with, "run", null)));
  }

  @Test
  void aSessionOfTheEngineIsNeverTerminated() throws Exception {
    Db db = SqlServers.postgres();
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", db.user());
    p.setProperty("password", db.password());
    p.setProperty("ApplicationName", "runbook run-7/local/fix");
    try (Connection engine = java.sql.DriverManager.getConnection(db.target().jdbcUrl(), p)) {
      long id = sessionId(engine, db);

      StepResult result = terminate(db, id, true);

      assertEquals("[]", result.outputs().path("terminated").toString());
      assertEquals(
          "a session of the runbook engine",
          result.outputs().path("refusedWhy").path(String.valueOf(id)).asText());
      assertTrue(engine.isValid(2));
    }
  }

  @Test
  void aSuperuserSessionIsRefusedUnlessTheStepAllowsPrivilegedOnes() throws Exception {
    Db db = SqlServers.postgres();
    try (Connection superuser = SqlServers.postgresSuperuser()) {
      long id = sessionId(superuser, db);

      StepResult refused = terminate(db, id, false);

      assertEquals("[" + id + "]", refused.outputs().path("refused").toString());
      assertEquals(
          "a superuser session of postgres (allowPrivileged: true to end it)",
          refused.outputs().path("refusedWhy").path(String.valueOf(id)).asText());
      assertTrue(superuser.isValid(2));
    }
  }

  /** The id of the session whose change waits on a lock of {@code table}. */
  private static long waitingSession(Db db, Connection admin, String table) throws Exception {
    String sql =
        db.postgres()
            ? "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'runbook run-%'"
                + " AND wait_event_type = 'Lock'"
            : "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE "
                + table
                + " SET amount%'";
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      try (Statement s = admin.createStatement();
          ResultSet r = s.executeQuery(sql)) {
        if (r.next()) {
          return r.getLong(1);
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the change never waited on the lock");
  }

  @Test
  void refusedOrMissingCredentialsAreConfigurationFailuresThatNameNoSecret() {
    Db db = SqlServers.postgres();
    String canary = "canary-wrong-password-4711";
    String env =
        """
        apiVersion: runbook/v1
        kind: Environment
        metadata: { name: local }
        provider: local
        taskQueue: runbook-local
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %d
            database: sqltest
            secretId: local/platform
          missing:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %d
            database: sqltest
            secretId: local/nowhere
        """
            .formatted(db.port(), db.port());
    CredentialSource source =
        secretId -> {
          if (secretId.equals("local/platform")) {
            return new Credentials(db.user(), canary);
          }
          throw new CredentialSource.CredentialException("no secret " + secretId + " here");
        };
    SqlTargets targets =
        SqlTargets.of(
            List.of(Fixtures.environment("local", env).spec()), Map.of(), Map.of("local", source));
    try (JdbcSqlActivities sql =
        new JdbcSqlActivities(
            targets, SqlSettings.defaults().withConnectTimeout(Duration.ofSeconds(1)))) {
      for (String database : List.of("platform", "missing")) {
        JsonNode with =
            json("{\"database\": \"" + database + "\", \"query\": \"SELECT 1 AS one\"}");
        ApplicationFailure f =
            failure(
                "CONFIGURATION",
                () -> sql.query(request(SqlServers.newRun(), "q", "sql.query", with, "run", null)));
        assertFalse(f.getOriginalMessage().contains(canary), f.getOriginalMessage());
        assertFalse(f.toString().contains(canary));
        assertTrue(
            f.getOriginalMessage().contains("local/platform")
                || f.getOriginalMessage().contains("no secret local/nowhere"),
            f.getOriginalMessage());
      }
    }
  }
}
