package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.exec;
import static dev.runbook.worker.sql.SqlServers.failure;
import static dev.runbook.worker.sql.SqlServers.json;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** sql.query and sql.export on real PostgreSQL and MariaDB. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlQueryExportTest {

  static List<Db> databases() {
    return SqlServers.all();
  }

  private static JsonNode query(Db db, String sql, String extra) {
    return json(
        "{\"database\": \""
            + db.name()
            + "\", \"query\": "
            + TextNode.valueOf(sql)
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }

  private static StepResult query(JsonNode with) {
    return clean(
        SqlServers.activities()
            .query(request(SqlServers.newRun(), "q", "sql.query", with, StepRequest.RUN, null)));
  }

  private static StepResult export(JsonNode with) {
    return clean(
        SqlServers.activities()
            .export(
                request(SqlServers.newRun(), "out", "sql.export", with, StepRequest.RUN, null)));
  }

  /** users(id, email, name) with two rows, made once per database. */
  private static synchronized void users(Db db) {
    exec(
        db,
        "CREATE TABLE IF NOT EXISTS users (id integer PRIMARY KEY, email varchar(100), name"
            + " varchar(100))");
    exec(db, "DELETE FROM users");
    exec(db, "INSERT INTO users VALUES (1, 'a@example.com', 'alice'), (2, 'b@example.com', 'bob')");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aQueryReturnsBoundedTypedRowsAndSaysWhenItTruncated(Db db) {
    String t = SqlServers.table(db);
    String sql = "SELECT id, name, amount FROM " + t + " WHERE amount >= :min ORDER BY id";
    StepResult two = query(query(db, sql, "\"bind\": {\"min\": 5}, \"maxRows\": 2"));
    assertEquals(List.of("id", "name", "amount"), names(two.outputs().path("columns")));
    assertEquals("[[1,\"alice\",10.00],[2,\"bob\",20.50]]", two.outputs().path("rows").toString());
    assertEquals(2, two.outputs().path("rowCount").asInt());
    assertTrue(two.outputs().path("truncated").asBoolean());
    assertTrue(
        two.summary().startsWith("2 rows from " + db.name() + " (truncated)"), two.summary());

    StepResult all = query(query(db, sql, "\"bind\": {\"min\": 5}, \"maxRows\": 4"));
    assertEquals(4, all.outputs().path("rowCount").asInt());
    assertFalse(all.outputs().path("truncated").asBoolean());

    StepResult injected =
        query(
            query(
                db,
                "SELECT count(*) AS n FROM " + t + " WHERE name = :n",
                "\"bind\": {\"n\": \"' OR 1=1 --\"}"));
    assertEquals(0, injected.outputs().path("rows").path(0).path(0).asInt());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void sensitiveColumnsAreMaskedHoweverTheyAreSelected(Db db) {
    users(db);
    StepResult result =
        query(
            query(
                db,
                "SELECT u.id, u.email, u.email AS contact, lower(u.email) AS low, u.name FROM"
                    + " users u ORDER BY u.id",
                ""));
    JsonNode row = result.outputs().path("rows").path(0);
    assertEquals(1, row.path(0).asInt());
    assertEquals("***", row.path(1).asText(), result.outputs().toString());
    assertEquals("***", row.path(2).asText(), result.outputs().toString());
    assertEquals("***", row.path(3).asText(), result.outputs().toString());
    assertEquals("alice", row.path(4).asText(), result.outputs().toString());
    assertFalse(result.outputs().toString().contains("example.com"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aQueryIsGuardedReadOnlyAndTimedOut(Db db) {
    String t = SqlServers.table(db);
    ApplicationFailure write =
        failure(
            "GUARD_VIOLATION", () -> query(query(db, "DELETE FROM " + t + " WHERE id = 1", "")));
    assertTrue(write.getOriginalMessage().startsWith("query refused by the guards at run time"));
    failure(
        "GUARD_VIOLATION",
        () -> query(query(db, "SELECT * FROM " + t + " WHERE id = 1 FOR UPDATE", "")));
    ApplicationFailure slow =
        failure(
            "SQL_ERROR",
            () ->
                query(
                    query(
                        db,
                        db.postgres()
                            ? "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r"
                                + " WHERE n < 100000000) SELECT count(*) FROM r"
                            : "SELECT count(*) FROM seq_1_to_100000 a, seq_1_to_100000 b",
                        "\"statementTimeout\": \"300ms\"")));
    assertTrue(
        slow.getOriginalMessage()
            .startsWith(
                "statement timeout: the query on " + db.name() + " (local) ran longer than 300ms"),
        slow.getOriginalMessage());
  }

  @Test
  void aQueryRunsInAReadOnlyTransaction() {
    Db db = SqlServers.postgres();
    exec(db, "CREATE SEQUENCE IF NOT EXISTS ro_seq");
    ApplicationFailure f =
        failure("SQL_ERROR", () -> query(query(db, "SELECT nextval('ro_seq')", "")));
    assertTrue(f.getOriginalMessage().contains("read-only transaction"), f.getOriginalMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anExportWritesTheRowsAndTheirSha256(Db db) throws Exception {
    String t = SqlServers.table(db);
    String expected =
        "id,name,email,amount\n"
            + "1,alice,a@example.com,10.00\n"
            + "2,bob,b@example.com,20.50\n"
            + "3,O'Brien,o@example.com,30.00\n"
            + "4,dave,,0.00\n"
            + "5,erin,e@example.com,5.25\n";
    String sql = "SELECT id, name, email, amount FROM " + t + " ORDER BY id";
    StepResult plain = export(query(db, sql, "\"path\": \"" + t + "/plain.csv\""));
    StepResult bound =
        export(
            query(
                db,
                "SELECT id, name, email, amount FROM " + t + " WHERE id >= :from ORDER BY id",
                "\"bind\": {\"from\": 1}, \"path\": \"" + t + "/bound.csv\""));
    for (StepResult r : List.of(plain, bound)) {
      Path file = Path.of(r.outputs().path("path").asText());
      assertTrue(file.startsWith(SqlServers.exports().toAbsolutePath()));
      byte[] bytes = Files.readAllBytes(file);
      assertEquals(expected, new String(bytes, StandardCharsets.UTF_8));
      assertEquals(5, r.outputs().path("rowCount").asInt());
      assertEquals(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
          r.outputs().path("sha256").asText());
    }
    assertEquals(db.postgres() ? "copy" : "stream", plain.outputs().path("method").asText());
    assertEquals("stream", bound.outputs().path("method").asText());

    StepResult json =
        export(query(db, sql, "\"format\": \"json\", \"path\": \"" + t + "/rows.json\""));
    JsonNode rows = json(Files.readString(Path.of(json.outputs().path("path").asText())));
    assertEquals(5, rows.size());
    assertEquals("O'Brien", rows.path(2).path("name").asText());
    assertTrue(rows.path(3).path("email").isNull());

    ApplicationFailure outside =
        failure("INVALID_PLAN", () -> export(query(db, sql, "\"path\": \"../escape.csv\"")));
    assertTrue(outside.getOriginalMessage().contains("outside the worker's export directory"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anExportMasksSensitiveColumns(Db db) throws Exception {
    users(db);
    StepResult r =
        export(
            query(
                db,
                "SELECT id, email, name FROM users ORDER BY id",
                "\"path\": \"users-" + db.engine() + ".csv\""));
    assertEquals(
        "id,email,name\n1,***,alice\n2,***,bob\n",
        Files.readString(Path.of(r.outputs().path("path").asText())));
    assertEquals("stream", r.outputs().path("method").asText());
    assertEquals("[\"email\"]", r.outputs().path("masked").toString());
  }

  @Test
  void anExportReportsItsRowCountInTheActivityHeartbeat() throws Exception {
    Db db = SqlServers.postgres();
    io.temporal.testing.TestActivityEnvironment activities =
        io.temporal.testing.TestActivityEnvironment.newInstance();
    try {
      List<Long> beats = new java.util.concurrent.CopyOnWriteArrayList<>();
      activities.setActivityHeartbeatListener(Long.class, beats::add);
      activities.registerActivitiesImplementations(SqlServers.activities());
      dev.runbook.engine.activities.SqlActivities stub =
          activities.newActivityStub(
              dev.runbook.engine.activities.SqlActivities.class,
              io.temporal.activity.ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(java.time.Duration.ofMinutes(1))
                  .build());
      for (String sql :
          List.of(
              "SELECT n, n * 2 AS twice FROM generate_series(1, 12000) AS n",
              "SELECT n FROM generate_series(1, :last) AS n")) {
        StepResult r =
            stub.export(
                request(
                    SqlServers.newRun(),
                    "out",
                    "sql.export",
                    query(db, sql, "\"bind\": {\"last\": 12000}"),
                    StepRequest.RUN,
                    null));
        assertEquals(12000, r.outputs().path("rowCount").asInt());
      }
      // Temporal throttles heartbeats: the first of each export goes out at once, later ones
      // may be merged; every one carries the rows written so far.
      assertTrue(beats.size() >= 2 && beats.get(0) == 5000L, beats.toString());
      assertTrue(List.of(5000L, 10000L, 12000L).containsAll(beats), beats.toString());
    } finally {
      activities.close();
    }
  }

  private static List<String> names(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
