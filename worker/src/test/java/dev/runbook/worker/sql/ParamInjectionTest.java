package dev.runbook.worker.sql;

import static dev.runbook.worker.sql.SqlServers.clean;
import static dev.runbook.worker.sql.SqlServers.content;
import static dev.runbook.worker.sql.SqlServers.exec;
import static dev.runbook.worker.sql.SqlServers.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.spec.ParamType;
import dev.runbook.worker.sql.InjectionRunbook.Compiled;
import dev.runbook.worker.sql.SqlServers.Db;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SQL injection through every param type, on real PostgreSQL and MariaDB, along the path of {@code
 * runbook run}: {@code -p v=<payload>} is compiled by the real compiler into a small runbook
 * ({@link InjectionRunbook}) and the planned steps (sql.change, sql.query, sql.export, sql.backup)
 * run through the JDBC activities. Every payload is either refused at launch with the type's
 * diagnostic, or reaches the database only as a bound value or a checked identifier: the sentinel
 * table and every other row are unchanged, row 1 holds exactly the value, and comparing by it finds
 * exactly row 1 (a spliced {@code OR 1=1} would find all three).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ParamInjectionTest {
  private static final AtomicInteger TRIED = new AtomicInteger();
  private static final AtomicInteger REFUSED_AT_COMPILE = new AtomicInteger();
  private static final AtomicInteger BOUND_AT_RUN = new AtomicInteger();
  private static final AtomicInteger REFUSED_AT_RUN = new AtomicInteger();
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final long STARTED = System.nanoTime();

  static List<Db> databases() {
    return SqlServers.all();
  }

  /**
   * Classic payloads; {@code {t}} is the table the steps write, {@code {s}} the sentinel table. As
   * a string each is bound and stored as written; every other type refuses them at launch.
   */
  static final List<String> ATTACKS =
      List.of(
          "'; DROP TABLE {s}; --",
          "1 OR 1=1",
          "1; DROP TABLE {s}",
          "x' OR '1'='1",
          "x' OR 1=1 -- ",
          "\\'; DROP TABLE {s}; -- ",
          "\\\\'; DELETE FROM {t}; #",
          "$$; DROP TABLE {s}; $$",
          "$q$ OR 1=1 $q$",
          "x' /* */ OR /* */ '1'='1",
          "*/ OR 1=1 /*",
          "{t}; DELETE FROM {t}",
          "{t}\" ; DROP TABLE {s}; --",
          "{t}`; DROP TABLE {s}; -- ",
          "\u02bc OR \u02bc1\u02bc=\u02bc1", // modifier letter apostrophe
          "\uff07; DROP TABLE {s}; --", // fullwidth apostrophe
          "\u2019 OR 1=1 --", // right single quotation mark
          "x\u0000'; DROP TABLE {s}; --", // NUL byte
          "'" + "A".repeat(100_000) + "'; DROP TABLE {s}; --",
          "true; DROP TABLE {s}",
          "15m; DROP TABLE {s}",
          "2026-11-21T08:00:00Z'; DROP TABLE {s}; --",
          "2026-11-21T08:00:00Z OR 1=1",
          "${{ params.database }}'; DROP TABLE {s}; --",
          "? OR 1=1",
          ":v OR :v",
          "{\"v\": {\"$gt\": \"\"}, \"id\": 1}",
          "{\"v\": \"x\", \"id\": 1} OR 1=1; DROP TABLE {s}; --",
          "{\"v\": \"x\", \"id\": 1, \"id\": 2}");

  /** Values each type accepts at launch, some of them shaped like attacks. */
  static List<String> valid(ParamType type) {
    return switch (type) {
      case STRING -> ATTACKS;
      case INTEGER -> List.of("7", " 42 ", "-9223372036854775808");
      case BOOLEAN -> List.of("true", "false");
      case IDENTIFIER -> List.of("{t}", "{T}", "select", "{schema}.{t}", "x" + "_".repeat(62));
      case DURATION -> List.of("15m", "1h30m", "90s");
      case TIMESTAMP -> List.of("2026-11-21T08:00:00Z", "2026-11-21T09:00:00.5+01:00");
      case SQL ->
          List.of(
              "UPDATE {t} SET v = 'x''; DROP TABLE {s}; --' WHERE id = 1",
              "UPDATE {t} SET v = '/* */ OR 1=1 -- ' WHERE id = 1",
              "UPDATE {t} SET v = '\\\\' WHERE id = 1",
              "UPDATE {t} SET v = concat('a', ';', 'DROP TABLE {s}') WHERE id = 1");
      case MAP ->
          List.of(
              "{\"v\": \"x'); DROP TABLE {s}; --\", \"id\": 1}",
              "{\"v\": \"1 OR 1=1\", \"id\": 1, \"id; DROP TABLE {s}; --\": 2}",
              "{\"v\": \"x\\u0027 OR \\u00271\\u0027=\\u00271\", \"id\": 1, \"v OR 1=1\": 1}",
              "{\"v\": \"1; DROP TABLE {s}\", \"id\": 1}",
              "{\"v\": \"x\", \"id\": \"1 OR 1=1\"}");
    };
  }

  /** SQL that the guards refuse at launch, with why. */
  static final List<List<String>> SQL_REFUSED =
      List.of(
          List.of("UPDATE {t} SET v = 'x' WHERE id = 1; DROP TABLE {s}", "one statement"),
          List.of("UPDATE {t} SET v = 'x' WHERE 1=1", "always true"),
          List.of("UPDATE {t} SET v = $$x$$ WHERE id = 1; DROP TABLE {s}", ""),
          List.of("UPDATE {t} SET v = 'x' /* WHERE id = 1 */", "WHERE"),
          List.of("UPDATE {t} SET v = 'x' -- WHERE id = 1", "WHERE"),
          List.of("UPDATE {t} SET v = 'a\\' WHERE id = 1 -- '", "backslash"),
          List.of("/*!50000 DROP TABLE {s} */ UPDATE {t} SET v = 'x' WHERE id = 1", ""),
          List.of("DROP TABLE {s}", ""),
          List.of("TRUNCATE {t}", ""),
          List.of("DELETE FROM {t} WHERE id = 1 OR 1=1", "always true"));

  /** The launch diagnostic of a value the type does not take. */
  static String refusal(ParamType type) {
    return switch (type) {
      case STRING -> null;
      case INTEGER -> "expected an integer, got";
      case BOOLEAN -> "expected true or false, got";
      case IDENTIFIER -> "expected an SQL identifier such as invoices or billing.invoices, got";
      case DURATION -> "expected a duration such as 90s, 15m, 4h or 1h30m, got";
      case TIMESTAMP -> "expected an RFC 3339 timestamp such as 2026-11-21T08:00:00Z, got";
      case SQL -> ""; // the guards' finding: several, see SQL_REFUSED
      case MAP -> "expected a JSON object such as {\"id\": 42}, got";
    };
  }

  @AfterAll
  static void summary() {
    System.out.printf(
        "ParamInjectionTest: %d payloads x types x databases tried: %d refused at compile, %d bound"
            + " at run (%d of those stopped by the database with a diagnostic) in %ds%n",
        TRIED.get(),
        REFUSED_AT_COMPILE.get(),
        BOUND_AT_RUN.get(),
        REFUSED_AT_RUN.get(),
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - STARTED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void everyPayloadThroughEveryParamTypeIsRefusedOrBound(Db db) throws Exception {
    for (ParamType type : ParamType.values()) {
      List<String> payloads = new ArrayList<>(ATTACKS);
      valid(type).stream().filter(p -> !payloads.contains(p)).forEach(payloads::add);
      SQL_REFUSED.forEach(r -> payloads.add(r.get(0)));
      int bound = 0;
      for (String payload : payloads) {
        bound += attempt(db, type, payload) ? 1 : 0;
      }
      // every type reached the database, not only its refusals
      assertTrue(bound >= valid(type).size(), type.label() + " bound " + bound + " on " + db);
    }
  }

  /** A value each type takes at launch, shaped like an attack where the type allows it. */
  private static String typical(ParamType type, String t) {
    return switch (type) {
      case STRING -> "x' OR '1'='1";
      case INTEGER -> "1";
      case BOOLEAN -> "true";
      case IDENTIFIER -> t;
      case DURATION -> "15m";
      case TIMESTAMP -> "2026-11-21T08:00:00Z";
      case SQL -> "UPDATE " + t + " SET v = 'x' WHERE id = 1";
      case MAP -> "{\"v\": \"x' OR '1'='1\", \"id\": 1}";
    };
  }

  /**
   * SQL text is literal in the runbook or a whole sql param: a param of any type spliced into a
   * query, a change's statement or a backup's condition is refused when the plan is compiled, so no
   * value of it ever reaches the database as text.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aParamSplicedIntoSqlTextIsRefusedAtCompile(Db db) {
    String t = "inj_spliced";
    String head =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: inject, version: 1 }
        params:
          database: { type: string, required: true }
          v: %s
        environments: [local]
        steps:
          - id: s
            with:
              database: "${{ params.database }}"
        """;
    String spliced =
        "expression spliced into SQL text: write :name in the SQL and pass the value in bind";
    for (ParamType type : ParamType.values()) {
      String declared =
          type == ParamType.SQL ? "{ type: sql, kind: select }" : "{ type: " + type.label() + " }";
      String base = head.formatted(declared).replace("  - id: s\n", "  - id: s\n    uses: %s\n");
      List<List<String>> cases =
          List.of(
              List.of(
                  "sql.query",
                  "query: \"SELECT id FROM " + t + " WHERE v = '${{ params.v }}'\"",
                  spliced),
              List.of(
                  "sql.export",
                  "query: \"SELECT id FROM " + t + " WHERE id = ${{ params.v }}\"",
                  spliced),
              List.of(
                  "sql.change",
                  "statements: [\"UPDATE " + t + " SET v = 'x' WHERE v = '${{ params.v }}'\"]",
                  spliced),
              List.of(
                  "sql.change",
                  "statements: [\"DELETE FROM ${{ params.v }} WHERE id = 1\"]",
                  spliced),
              List.of(
                  "sql.change",
                  "statements: [\"${{ params.v }}\"]",
                  type == ParamType.SQL
                      ? "param 'v' is sql of kind select; this place needs kind dml"
                      : "param 'v' is of type "
                          + type.label()
                          + "; SQL comes from a param of type sql, kind dml"),
              List.of(
                  "sql.backup",
                  "table: " + t + "\n      where: \"v = '${{ params.v }}'\"",
                  spliced),
              List.of("sql.backup", "table: " + t + "\n      where: \"${{ params.v }}\"", spliced),
              // verify's short form (the query alone) is SQL as much as verify.query
              List.of(
                  "sql.change",
                  "statements: [\"UPDATE "
                      + t
                      + " SET v = 'x' WHERE id = 1\"]\n      verify: \"SELECT id FROM "
                      + t
                      + " WHERE v = '${{ params.v }}'\"",
                  spliced),
              List.of(
                  "sql.change",
                  "statements: [\"UPDATE "
                      + t
                      + " SET v = 'x' WHERE id = 1\"]\n      verify: { query: \"SELECT id FROM "
                      + t
                      + " WHERE v = '${{ params.v }}'\" }",
                  spliced));
      for (List<String> c : cases) {
        TRIED.incrementAndGet();
        String runbook = base.formatted(c.get(0)) + "      " + c.get(1) + "\n";
        Compiled compiled = InjectionRunbook.compile(runbook, db, typical(type, t));
        String what = type.label() + " in " + c.get(0) + " " + c.get(1) + " on " + db;
        assertTrue(
            compiled.refused(),
            what + " compiled: " + (compiled.refused() ? "" : compiled.plan().stages()));
        assertTrue(
            compiled.problems().stream().anyMatch(p -> p.contains(c.get(2))),
            what + ": " + compiled.problems());
        REFUSED_AT_COMPILE.incrementAndGet();
      }
    }
  }

  /** One payload through one type on one database; true when it reached the database. */
  private static boolean attempt(Db db, ParamType type, String template) throws Exception {
    TRIED.incrementAndGet();
    String t = "inj" + TABLES.incrementAndGet();
    String s = t + "_sentinel";
    String payload =
        template
            .replace("{t}", t)
            .replace("{T}", t.toUpperCase(java.util.Locale.ROOT))
            .replace("{s}", s)
            .replace("{schema}", db.postgres() ? "public" : "sqltest");
    String what = type.label() + " " + shortly(payload) + " on " + db;
    String column = column(type);
    Compiled compiled = InjectionRunbook.compile(InjectionRunbook.of(type, t, column), db, payload);
    boolean expectBound = expectedAccepted(type, template);
    if (compiled.refused()) {
      assertFalse(expectBound, what + " was refused: " + compiled.problems());
      REFUSED_AT_COMPILE.incrementAndGet();
      for (String problem : compiled.problems()) {
        assertTrue(problem.startsWith("runbook.yaml: param: -p v: "), what + ": " + problem);
      }
      String expected = expectedRefusal(type, template);
      assertTrue(
          compiled.problems().stream().anyMatch(p -> p.contains(expected)),
          what + ": " + compiled.problems());
      return false;
    }
    assertTrue(expectBound, what + " was accepted at launch: " + compiled.value());
    tables(db, t, s);
    String sentinel = content(db, s);
    String before = content(db, t);
    BOUND_AT_RUN.incrementAndGet();
    String run = SqlServers.newRun();
    Object expected = expectedStored(db, type, payload, compiled.value());
    if (!runWrite(db, run, compiled, what)) {
      REFUSED_AT_RUN.incrementAndGet();
      assertEquals(before, content(db, t), what + ": a refused write changed nothing");
      assertEquals(sentinel, content(db, s), what + ": the sentinel is unchanged");
      return true;
    }
    assertEquals(sentinel, content(db, s), what + ": the sentinel is unchanged");
    assertEquals(rowsAfter(before), rowsAfter(content(db, t)), what + ": rows 2 and 3 unchanged");
    assertEquals(3, SqlServers.count(db, "SELECT count(*) FROM " + t), what);
    assertEquals(expected, stored(db, t, column), what + ": row 1 holds the value as given");
    if (type == ParamType.SQL) {
      return true;
    }
    // the value compared, not spliced: exactly row 1 matches it
    JsonNode read =
        call(
            () ->
                sql()
                    .query(
                        request(
                            run,
                            "read",
                            "sql.query",
                            compiled.with("read"),
                            StepRequest.RUN,
                            null)));
    assertEquals("[[1]]", read.path("rows").toString(), what + ": read " + read);
    JsonNode out =
        call(
            () ->
                sql()
                    .export(
                        request(
                            run,
                            "out",
                            "sql.export",
                            compiled.with("out"),
                            StepRequest.RUN,
                            null)));
    assertEquals(1, out.path("rowCount").asInt(), what + ": export " + out);
    backup(db, run, compiled, what, type, payload, t);
    assertEquals(sentinel, content(db, s), what + ": the sentinel is unchanged");
    return true;
  }

  /** Runs {@code write}; false when the database refused the value with a diagnostic. */
  private static boolean runWrite(Db db, String run, Compiled compiled, String what) {
    JsonNode with = compiled.with("write");
    try {
      StepResult r =
          clean(sql().change(request(run, "write", "sql.change", with, StepRequest.RUN, null)));
      assertEquals(1, r.outputs().path("rowsAffected").asInt(), what + ": " + r.summary());
      return true;
    } catch (ApplicationFailure f) {
      // only the database itself may stop a bound value (e.g. PostgreSQL takes no NUL in text)
      assertEquals("SQL_ERROR", f.getType(), what + ": " + f.getOriginalMessage());
      assertTrue(
          allowedDatabaseRefusal(db, f.getOriginalMessage()), what + ": " + f.getOriginalMessage());
      return false;
    }
  }

  /**
   * Runs {@code keep}: it backs up exactly row 1, or, when an identifier param names no table of
   * this database ({@code select}, another case on MariaDB), fails clearly and copies nothing.
   */
  private static void backup(
      Db db, String run, Compiled compiled, String what, ParamType type, String payload, String t) {
    boolean names =
        type != ParamType.IDENTIFIER
            || payload.equals(t)
            || payload.endsWith("." + t)
            || db.postgres() && payload.equalsIgnoreCase(t);
    JsonNode with = compiled.with("keep");
    try {
      JsonNode out =
          clean(sql().backup(request(run, "keep", "sql.backup", with, StepRequest.RUN, null)))
              .outputs();
      assertTrue(names, what + ": backed up " + out);
      assertEquals(1, out.path("rowCount").asInt(), what + ": backup " + out);
    } catch (ApplicationFailure f) {
      assertFalse(names, what + ": backup failed: " + f.getOriginalMessage());
      if (payload.equals("select")) { // a keyword: the run-time guard cannot parse the backup
        assertEquals("GUARD_VIOLATION", f.getType(), what);
        assertTrue(
            f.getOriginalMessage()
                .startsWith("where refused by the guards at run time: cannot parse"),
            what + ": " + f.getOriginalMessage());
      } else {
        // "table T does not exist" or PostgreSQL's own "relation "t" does not exist"
        assertTrue(
            f.getOriginalMessage().contains(payload)
                && f.getOriginalMessage().contains(" does not exist"),
            what + ": " + f.getOriginalMessage());
      }
      REFUSED_AT_RUN.incrementAndGet();
    }
  }

  /** The database refusing a bound value, naming it as a value: no statement was spliced. */
  private static boolean allowedDatabaseRefusal(Db db, String message) {
    return db.postgres()
        ? message.contains("invalid byte sequence for encoding \"UTF8\": 0x00")
            || message.contains("invalid input syntax for type integer: \"1 OR 1=1\"")
        : message.contains("Truncated incorrect DECIMAL value: '1 OR 1=1'");
  }

  private static JsonNode call(Supplier<StepResult> step) {
    return clean(step.get()).outputs();
  }

  private static JdbcSqlActivities sql() {
    return SqlServers.activities();
  }

  /** Whether the type takes this payload at launch. */
  private static boolean expectedAccepted(ParamType type, String template) {
    return type == ParamType.STRING || valid(type).contains(template);
  }

  private static String expectedRefusal(ParamType type, String template) {
    if (type == ParamType.SQL) {
      for (List<String> r : SQL_REFUSED) {
        if (r.get(0).equals(template)) {
          return r.get(1);
        }
      }
      return "";
    }
    if (type == ParamType.MAP && template.contains("$gt")) {
      return "must be a single value";
    }
    if (type == ParamType.MAP && template.contains("\"id\": 1, \"id\"")) {
      return "a key is given twice, 'id'";
    }
    if (type == ParamType.MAP && template.contains("} OR 1=1")) {
      return "expected a JSON object such as"; // not the object alone, text after it
    }
    if (type == ParamType.MAP) {
      return "expected a"; // not JSON, or JSON that is not an object
    }
    return refusal(type);
  }

  private static String column(ParamType type) {
    return switch (type) {
      case INTEGER -> "amount";
      case BOOLEAN -> "flag";
      default -> "v";
    };
  }

  /** What row 1's column must hold after the write. */
  private static Object expectedStored(Db db, ParamType type, String payload, JsonNode value) {
    return switch (type) {
      case INTEGER -> Long.parseLong(payload.strip());
      case BOOLEAN -> Boolean.parseBoolean(payload);
      case TIMESTAMP -> {
        String normal =
            OffsetDateTime.parse(payload)
                .withOffsetSameInstant(ZoneOffset.UTC)
                .toInstant()
                .toString();
        assertEquals(normal, value.asText());
        yield normal;
      }
      case MAP -> value.get("v").asText();
      case SQL -> sqlLiteral(payload, db);
      default -> {
        assertEquals(payload, value.asText(), "the compiled value is the launch text");
        yield payload;
      }
    };
  }

  /** The value the accepted SQL payloads write, as the database reads their literal. */
  private static String sqlLiteral(String payload, Db db) {
    if (payload.contains("concat(")) {
      return "a;DROP TABLE "
          + payload.substring(payload.indexOf("DROP TABLE ") + 11, payload.indexOf("')"));
    }
    String literal =
        payload.substring(payload.indexOf("SET v = '") + 9, payload.lastIndexOf("' WHERE"));
    literal = literal.replace("''", "'");
    // MariaDB reads backslash escapes in literals, PostgreSQL (standard strings) does not
    return db.postgres() ? literal : literal.replace("\\\\", "\\");
  }

  private static Object stored(Db db, String table, String column) throws SQLException {
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        ResultSet r = st.executeQuery("SELECT " + column + " FROM " + table + " WHERE id = 1")) {
      assertTrue(r.next());
      return switch (column) {
        case "amount" -> r.getLong(1);
        case "flag" -> r.getBoolean(1);
        default -> r.getString(1);
      };
    }
  }

  /** The content listing without row 1 (the only row a step may change). */
  private static String rowsAfter(String content) {
    return content.substring(content.indexOf('\n') + 1);
  }

  /** The table the steps write (rows 1..3) and a sentinel table no step names. */
  private static void tables(Db db, String t, String s) {
    // MariaDB: utf8mb4 so that look-alike quotes are stored, not refused by a latin1 default
    String text = db.postgres() ? "text" : "longtext CHARACTER SET utf8mb4";
    exec(
        db,
        "CREATE TABLE "
            + t
            + " (id integer PRIMARY KEY, v "
            + text
            + ", amount bigint, flag boolean)",
        "INSERT INTO "
            + t
            + " VALUES (1, 'one', 1, NULL), (2, 'two', 2, NULL), (3, 'three', 3, NULL)",
        "CREATE TABLE " + s + " (id integer PRIMARY KEY, note varchar(40))",
        "INSERT INTO " + s + " VALUES (1, 'still here'), (2, 'also here')");
  }

  private static String shortly(String payload) {
    String shown = payload.replace("\u0000", "\\0");
    return shown.length() > 60
        ? shown.substring(0, 40) + "...(" + shown.length() + " chars)"
        : shown;
  }
}
