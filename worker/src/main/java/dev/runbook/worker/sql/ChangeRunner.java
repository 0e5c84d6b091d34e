package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.sql.StatementType;
import dev.runbook.engine.workflow.FailureType;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code sql.change}: the statements in one transaction, guarded again at run time, values bound,
 * lock and statement timeouts set.
 *
 * <ul>
 *   <li>{@code preview}: before-images of exactly the rows each statement touches ({@code SELECT
 *       ... WHERE <its WHERE> FOR UPDATE}), the statement, its after-images (RETURNING, or by
 *       primary key), then ROLLBACK. Outputs the row count, a bounded diff and the hashes; refuses
 *       {@code backup: true} on a table without a primary key, and fails early when expectRows or
 *       verify would fail.
 *   <li>{@code apply} / {@code run}: ledger check and claim, backup of the before-images, the
 *       statements, expectRows, the approved preview's count and before-image hash, verify, the
 *       ledger row, COMMIT; any failed check rolls everything back and says which.
 * </ul>
 */
final class ChangeRunner {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);
  static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(60);
  private static final int VERIFY_ROWS = 1000;
  private static final int KEY_CHUNK = 200;

  private final SqlSettings settings;
  private final Set<String> ledgersReady = ConcurrentHashMap.newKeySet();

  ChangeRunner(SqlSettings settings) {
    this.settings = settings;
  }

  /** What {@code verify} asks: a query, its binds, and the rows it must return. */
  record Verify(String query, JsonNode bind, Inputs.Expect rows, JsonNode equals) {
    static Verify of(JsonNode with, JsonNode stepBind) {
      JsonNode node = with.get("verify");
      if (node == null || node.isNull()) {
        return null;
      }
      if (node.isTextual()) {
        JdbcSqlActivities.guardQuery(node.asText(), "verify");
        return new Verify(node.asText(), stepBind, new Inputs.Expect(0, 0), null);
      }
      String query = Inputs.text(node, "query");
      JdbcSqlActivities.guardQuery(query, "verify");
      ObjectNode bind = NODES.objectNode();
      bind.setAll((ObjectNode) stepBind);
      JsonNode own = Inputs.bind(node.get("bind"), "verify.bind");
      own.properties().forEach(e -> bind.set(e.getKey(), e.getValue()));
      JsonNode expect = node.path("expect");
      JsonNode equals = expect.get("equals");
      Inputs.Expect rows = Inputs.Expect.of(expect.get("rows"), "verify.expect.rows");
      if (rows == null) {
        rows =
            equals != null && equals.isArray()
                ? new Inputs.Expect(equals.size(), equals.size())
                : new Inputs.Expect(0, 0);
      }
      return new Verify(query, bind, rows, equals);
    }
  }

  /** The inputs of one change, read and guarded before any connection is made. */
  private record Change(
      List<ChangeStatement> statements,
      JsonNode bind,
      Inputs.Expect expectRows,
      Verify verify,
      boolean backup,
      Duration lockTimeout,
      Duration statementTimeout) {}

  /** What running the statements found. */
  private record Outcome(long rows, Images images, boolean captured) {}

  StepResult change(ConnectionPools pools, SqlTarget target, StepRequest request) {
    Change change = read(target, request.with());
    try (Session session = Session.open(pools, target)) {
      if (StepRequest.PREVIEW.equals(request.phaseOrRun())) {
        return preview(session, change, request);
      }
      return apply(session, change, request);
    }
  }

  private Change read(SqlTarget target, JsonNode with) {
    JsonNode texts = with.path("statements");
    if (!texts.isArray() || texts.isEmpty()) {
      throw FailureType.INVALID_PLAN.failure("statements: expected a list of SQL statements");
    }
    List<ChangeStatement> statements = new ArrayList<>();
    boolean folds = target.engine() == SqlTarget.Engine.POSTGRESQL;
    for (int i = 0; i < texts.size(); i++) {
      if (!texts.get(i).isTextual()) {
        throw FailureType.INVALID_PLAN.failure("statements[" + i + "]: expected SQL text");
      }
      statements.add(ChangeStatement.of(i, texts.get(i).asText(), folds));
    }
    JsonNode bind = Inputs.bind(with.get("bind"), "bind");
    for (ChangeStatement s : statements) {
      Binds.check(SqlText.of(s.sql()).jdbc().names(), bind);
    }
    Verify verify = Verify.of(with, bind);
    if (verify != null) {
      Binds.check(SqlText.of(verify.query()).jdbc().names(), verify.bind());
    }
    boolean backup = Inputs.bool(with, "backup", false);
    if (backup) {
      for (ChangeStatement s : statements) {
        if (!s.hasBeforeImages()) {
          String what =
              s.whyNotImaged() != null
                  ? s.whyNotImaged()
                  : s.singleTable() ? "an " + s.type() : "a multi-table " + s.type();
          throw FailureType.CONFIGURATION.failure(
              "backup: true covers UPDATE and DELETE that change one table (also PostgreSQL's"
                  + " UPDATE ... FROM and DELETE ... USING, and MySQL's UPDATE ... JOIN and DELETE"
                  + " t FROM t JOIN ...); statement "
                  + (statements.indexOf(s) + 1)
                  + " is "
                  + what
                  + " (split it into one statement per table, or undo it with an explicit"
                  + " compensate)");
        }
        if (!s.table().plain().equalsIgnoreCase(statements.get(0).table().plain())) {
          throw FailureType.CONFIGURATION.failure(
              "backup: true needs every statement to change the same table; statement "
                  + (statements.indexOf(s) + 1)
                  + " changes "
                  + s.table().plain()
                  + ", statement 1 "
                  + statements.get(0).table().plain());
        }
      }
    }
    return new Change(
        statements,
        bind,
        Inputs.Expect.of(with.get("expectRows"), "expectRows"),
        verify,
        backup,
        Inputs.duration(with, "lockTimeout", LOCK_TIMEOUT),
        Inputs.duration(with, "statementTimeout", STATEMENT_TIMEOUT));
  }

  // ---- preview

  private StepResult preview(Session session, Change change, StepRequest request) {
    try {
      session.begin(false, change.statementTimeout(), change.lockTimeout());
      label(session, request);
      Map<String, List<String>> keys = tables(session, change);
      Outcome outcome = run(session, change, keys, true, null);
      String what = "preview (rolled back, nothing was applied)";
      checkExpectRows(change, outcome.rows(), what);
      boolean verified = verify(session, change, what);
      session.connection.rollback();
      ObjectNode outputs = NODES.objectNode();
      outputs.put("previewRows", outcome.rows());
      outputs.put("previewHash", outcome.images().previewHash());
      outputs.put("beforeHash", outcome.images().beforeHash());
      outputs.set("diff", outcome.images().diff());
      outputs.put("diffTruncated", outcome.images().truncated());
      outputs.put("imagesComplete", outcome.images().complete());
      outputs.set("primaryKeys", primaryKeys(keys));
      outputs.put("backup", change.backup());
      if (change.verify() != null) {
        outputs.put("verified", verified);
      }
      ArrayNode notes = outputs.putArray("notes");
      previewNotes(change, session.dialect).forEach(notes::add);
      return new StepResult(
          outputs,
          "preview: "
              + rows(outcome.rows())
              + " would change in "
              + tableList(change)
              + " (rolled back); "
              + outcome.images().previewHash().substring(0, 19)
              + (notes.isEmpty()
                  ? ""
                  : "; " + notes.size() + (notes.size() == 1 ? " note" : " notes") + " (notes)"));
    } catch (SQLException e) {
      session.rollbackQuietly();
      throw session.fail(e, "the preview");
    } catch (RuntimeException e) {
      session.rollbackQuietly();
      throw e;
    }
  }

  /**
   * What a reviewer should know that the diff does not say: statements counted but not imaged, and
   * the side effect a rolled-back INSERT still has (sequences and AUTO_INCREMENT do not roll back).
   */
  private static List<String> previewNotes(Change change, Dialect dialect) {
    List<String> notes = new ArrayList<>();
    List<ChangeStatement> statements = change.statements();
    for (int i = 0; i < statements.size(); i++) {
      ChangeStatement st = statements.get(i);
      if (st.whyNotImaged() != null) {
        notes.add(
            "Statement "
                + (i + 1)
                + " is "
                + st.whyNotImaged()
                + ": its rows are counted, not shown (imagesComplete: false).");
      }
      if (st.type() == StatementType.INSERT || st.type() == StatementType.MERGE) {
        notes.add(
            "Statement "
                + (i + 1)
                + " inserts rows: the preview drew their generated ids from "
                + (dialect instanceof Dialect.Postgres
                    ? "the table's sequences (nextval)"
                    : "the table's AUTO_INCREMENT counter")
                + ", and rolling back does not give them back, so the ids skip those values and"
                + " the apply's ids differ from the preview's.");
      }
    }
    return notes;
  }

  // ---- apply

  private StepResult apply(Session session, Change change, StepRequest request) {
    Ledger ledger = Ledger.of(session, settings);
    JsonNode approved = request.approvedPreview();
    String backupName = change.backup() ? BackupRunner.backupName(request) : null;
    boolean backupCreatedOutside = false;
    try {
      ensureLedger(session, ledger);
      Optional<JsonNode> earlier = ledger.find(session.connection, request.idempotencyKey());
      if (earlier.isPresent()) {
        return replay(earlier.get(), request);
      }
      TableRef source = change.statements().get(0).table();
      TableRef backupTable =
          backupName == null
              ? null
              : new TableRef(ledger.schema(), backupName, ledger.qualified(backupName));
      if (backupTable != null && !session.dialect.transactionalDdl()) {
        // MySQL commits around DDL: the (empty) table is made first, filled in the transaction
        // and dropped again if the transaction does not commit.
        backupCreatedOutside = true;
        try (Statement s = session.connection.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + backupTable.written());
          s.execute(session.dialect.createCopy(backupTable.written(), source));
        }
      }
      session.begin(false, change.statementTimeout(), change.lockTimeout());
      try {
        ledger.claim(session.connection, request);
      } catch (SQLException e) {
        if (!SqlFailures.isDuplicateKey(e)) {
          throw e;
        }
        session.connection.rollback();
        Optional<JsonNode> other = ledger.find(session.connection, request.idempotencyKey());
        session.connection.rollback();
        if (other.isPresent()) {
          return replay(other.get(), request);
        }
        throw FailureType.TRANSIENT.failure(
            "another attempt of this step is applying it right now; retrying");
      }
      label(session, request);
      Map<String, List<String>> keys = tables(session, change);
      BackupRunner.Copy copy = null;
      if (backupTable != null) {
        // PostgreSQL creates the table with the first statement's rows (CREATE TABLE ... AS, in
        // this transaction); MySQL made it above.
        copy =
            new BackupRunner.Copy(
                backupTable,
                session.dialect.writableColumns(session.connection, source),
                keys.get(source.plain()),
                session.dialect.transactionalDdl());
      }
      boolean capture = change.backup() || approved != null && !approved.isNull();
      Outcome outcome = run(session, change, keys, capture, copy);
      String what = "rolled back, nothing was applied";
      checkExpectRows(change, outcome.rows(), what);
      checkApproved(approved, outcome);
      boolean verified = verify(session, change, what);
      ObjectNode outputs = NODES.objectNode();
      outputs.put("rowsAffected", outcome.rows());
      if (approved != null && !approved.isNull()) {
        outputs.set("previewRows", approved.path("previewRows"));
        outputs.set("previewHash", approved.path("previewHash"));
      } else {
        outputs.putNull("previewRows");
        outputs.put("previewHash", outcome.captured() ? outcome.images().previewHash() : null);
      }
      if (outcome.captured()) {
        outputs.put("applyHash", outcome.images().previewHash());
      }
      if (copy != null) {
        Checksums.Sum sum =
            Checksums.server(session.connection, session.dialect, backupTable, copy.columns());
        ledger.recordBackup(
            session.connection,
            new Ledger.Backup(
                backupName,
                source.written(),
                copy.primaryKey(),
                request.runId(),
                request.stepId(),
                sum.rows(),
                sum.checksum()),
            request.environment());
        outputs.put("backupTable", backupName);
        outputs.put("backupRows", sum.rows());
        outputs.put("backupChecksum", sum.checksum());
      } else {
        outputs.putNull("backupTable");
      }
      outputs.put("verified", change.verify() != null && verified);
      ledger.complete(
          session.connection,
          request.idempotencyKey(),
          outcome.rows(),
          outputs.path("previewHash").isNull() ? null : outputs.path("previewHash").asText(),
          backupName,
          outputs);
      session.connection.commit();
      backupCreatedOutside = false;
      return new StepResult(
          outputs,
          rows(outcome.rows())
              + " changed in "
              + tableList(change)
              + (change.verify() != null ? ", verified" : "")
              + (backupName != null ? ", backup " + backupName : "")
              + "; committed");
    } catch (SQLException e) {
      session.rollbackQuietly();
      throw session.fail(e, "the change");
    } catch (RuntimeException e) {
      session.rollbackQuietly();
      throw e;
    } finally {
      if (backupCreatedOutside) {
        dropQuietly(session, ledger.qualified(backupName));
      }
    }
  }

  private static StepResult replay(JsonNode earlier, StepRequest request) {
    ObjectNode outputs =
        earlier.isObject() ? ((ObjectNode) earlier).deepCopy() : NODES.objectNode();
    outputs.put("fromLedger", true);
    return new StepResult(
        outputs,
        "already applied by an earlier attempt (ledger "
            + request.idempotencyKey()
            + "): "
            + rows(outputs.path("rowsAffected").asLong())
            + "; nothing applied again");
  }

  // ---- running the statements

  private Outcome run(
      Session session,
      Change change,
      Map<String, List<String>> keys,
      boolean capture,
      BackupRunner.Copy copy)
      throws SQLException {
    SensitiveColumns sensitive = new SensitiveColumns(session.target.sensitiveColumns());
    Images images =
        new Images(settings.diffRows(), settings.diffCellChars(), settings.outputBytes() / 2);
    long total = 0;
    List<ChangeStatement> statements = change.statements();
    for (int i = 0; i < statements.size(); i++) {
      ChangeStatement st = statements.get(i);
      images.statement(i, st.table().plain());
      List<String> pk = keys.getOrDefault(st.table().plain(), List.of());
      boolean imaged =
          capture && st.hasBeforeImages() && (!st.imagesNeedPrimaryKey() || !pk.isEmpty());
      List<String[]> beforeKeys = new ArrayList<>();
      List<Rows.Column> beforeColumns = null;
      if (imaged) {
        String select = st.selectRows(st.ref() + ".*", pk, session.dialect) + " FOR UPDATE";
        try (PreparedStatement ps = Binds.prepare(session.connection, select, change.bind())) {
          JdbcSqlActivities.clientTimeout(session, ps, change.statementTimeout());
          try (ResultSet rs = ps.executeQuery()) {
            beforeColumns = Rows.columns(rs);
            boolean[] masked = sensitive.mask(beforeColumns, null, st.table().plain());
            int[] key = Images.keyPositions(beforeColumns, pk);
            while (rs.next()) {
              String[] values = Rows.read(rs, beforeColumns);
              images.before(beforeColumns, values, masked, key);
              if (key != null) {
                String[] k = new String[key.length];
                for (int j = 0; j < key.length; j++) {
                  k[j] = values[key[j]];
                }
                beforeKeys.add(k);
              }
            }
          }
        }
      }
      if (capture) {
        boolean complete =
            switch (st.type()) {
              case UPDATE, DELETE -> imaged;
              case INSERT -> st.returning() || session.dialect.returns("INSERT");
              default -> false;
            };
        if (!complete) {
          images.withoutImages();
        }
      }
      if (copy != null) {
        copy.copy(session, st, change.bind(), i == 0);
      }
      boolean update = st.type() == StatementType.UPDATE;
      boolean addReturning =
          !st.returning()
              && ((imaged && update && session.dialect.returns("UPDATE"))
                  || (capture
                      && st.type() == StatementType.INSERT
                      && session.dialect.returns("INSERT")));
      String sql = st.sql();
      if (addReturning) {
        sql += update ? " RETURNING " + st.ref() + ".*" : " RETURNING *";
      }
      long count;
      try (PreparedStatement ps = Binds.prepare(session.connection, sql, change.bind())) {
        JdbcSqlActivities.clientTimeout(session, ps, change.statementTimeout());
        if (addReturning || st.returning()) {
          count = 0;
          try (ResultSet rs = ps.executeQuery()) {
            List<Rows.Column> columns = Rows.columns(rs);
            boolean[] masked = sensitive.mask(columns, null, st.table().plain());
            int[] key = Images.keyPositions(columns, pk);
            while (rs.next()) {
              count++;
              if (capture) {
                images.after(columns, Rows.read(rs, columns), masked, key, update);
              }
            }
          }
        } else {
          count = ps.executeLargeUpdate();
        }
      }
      if (imaged && update && !addReturning && !st.returning()) {
        if (beforeColumns != null && Images.keyPositions(beforeColumns, pk) != null) {
          afterByKey(session, change, st, pk, beforeKeys, sensitive, images);
        } else {
          images.withoutImages();
        }
      }
      images.end(count);
      total += count;
    }
    return new Outcome(total, images, capture);
  }

  /** After-images of an UPDATE read again by primary key (MySQL has no RETURNING there). */
  private static void afterByKey(
      Session session,
      Change change,
      ChangeStatement st,
      List<String> pk,
      List<String[]> keys,
      SensitiveColumns sensitive,
      Images images)
      throws SQLException {
    String tuple =
        "("
            + String.join(
                ", ", pk.stream().map(c -> st.ref() + "." + session.dialect.quote(c)).toList())
            + ")";
    String one = "(" + String.join(", ", pk.stream().map(c -> "?").toList()) + ")";
    for (int from = 0; from < keys.size(); from += KEY_CHUNK) {
      List<String[]> chunk = keys.subList(from, Math.min(keys.size(), from + KEY_CHUNK));
      String sql =
          "SELECT "
              + st.ref()
              + ".* FROM "
              + st.from()
              + " WHERE "
              + tuple
              + " IN ("
              + String.join(", ", chunk.stream().map(k -> one).toList())
              + ")";
      try (PreparedStatement ps = session.connection.prepareStatement(sql)) {
        JdbcSqlActivities.clientTimeout(session, ps, change.statementTimeout());
        int position = 1;
        for (String[] key : chunk) {
          for (String value : key) {
            ps.setString(position++, value);
          }
        }
        try (ResultSet rs = ps.executeQuery()) {
          List<Rows.Column> columns = Rows.columns(rs);
          boolean[] masked = sensitive.mask(columns, null, st.table().plain());
          int[] key = Images.keyPositions(columns, pk);
          while (rs.next()) {
            images.after(columns, Rows.read(rs, columns), masked, key, true);
          }
        }
      }
    }
  }

  /** The primary key of each table written; refuses tables whose changes cannot roll back. */
  private static Map<String, List<String>> tables(Session session, Change change)
      throws SQLException {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    for (ChangeStatement st : change.statements()) {
      if (keys.containsKey(st.table().plain())) {
        continue;
      }
      for (TableRef written : st.targets().isEmpty() ? List.of(st.table()) : st.targets()) {
        String problem = session.dialect.notTransactional(session.connection, written);
        if (problem != null) {
          throw FailureType.CONFIGURATION.failure(problem);
        }
      }
      List<String> pk = session.dialect.primaryKey(session.connection, st.table());
      if (change.backup() && pk.isEmpty()) {
        throw FailureType.CONFIGURATION.failure(
            "backup: true needs a primary key, and table "
                + st.table().plain()
                + " has none: sql.restore puts rows back by primary key, so this change could"
                + " not be undone from its backup; add a primary key, or take a snapshot instead");
      }
      keys.put(st.table().plain(), pk);
    }
    return keys;
  }

  private static ObjectNode primaryKeys(Map<String, List<String>> keys) {
    ObjectNode out = NODES.objectNode();
    keys.forEach(
        (table, pk) -> {
          ArrayNode columns = out.putArray(table);
          pk.forEach(columns::add);
        });
    return out;
  }

  // ---- checks

  private static void checkExpectRows(Change change, long rows, String what) {
    Inputs.Expect expect = change.expectRows();
    if (expect != null && !expect.holds(rows)) {
      throw FailureType.ROW_COUNT_MISMATCH.failure(
          "expectRows: the statements changed "
              + rows(rows)
              + ", expected "
              + expect.describe()
              + "; "
              + what);
    }
  }

  private static void checkApproved(JsonNode approved, Outcome outcome) {
    if (approved == null || approved.isNull()) {
      return;
    }
    long previewed = approved.path("previewRows").asLong(-1);
    if (previewed != outcome.rows()) {
      throw FailureType.ROW_COUNT_MISMATCH.failure(
          "the rows changed since the preview: the approved preview changed "
              + rows(previewed)
              + ", the apply "
              + rows(outcome.rows())
              + "; rolled back, nothing was applied (preview and approve again)");
    }
    String before = approved.path("beforeHash").asText("");
    if (!before.isEmpty() && !before.equals(outcome.images().beforeHash())) {
      throw FailureType.ROW_COUNT_MISMATCH.failure(
          "the rows changed since the preview: the same "
              + rows(outcome.rows())
              + " but their content differs from the approved preview (before-images "
              + before.substring(0, Math.min(19, before.length()))
              + " approved, "
              + outcome.images().beforeHash().substring(0, 19)
              + " now); rolled back, nothing was applied (preview and approve again)");
    }
  }

  private static boolean verify(Session session, Change change, String what) throws SQLException {
    Verify verify = change.verify();
    if (verify == null) {
      return false;
    }
    try (PreparedStatement ps = Binds.prepare(session.connection, verify.query(), verify.bind())) {
      ps.setMaxRows(VERIFY_ROWS + 1);
      JdbcSqlActivities.clientTimeout(session, ps, change.statementTimeout());
      List<String[]> rows = new ArrayList<>();
      List<Rows.Column> columns;
      try (ResultSet rs = ps.executeQuery()) {
        columns = Rows.columns(rs);
        while (rs.next()) {
          rows.add(Rows.read(rs, columns));
        }
      }
      if (!verify.rows().holds(rows.size())) {
        throw FailureType.VERIFY_FAILED.failure(
            "verify: the query returned "
                + rows(rows.size())
                + (rows.size() > VERIFY_ROWS ? " or more" : "")
                + ", expected "
                + verify.rows().describe()
                + "; "
                + what);
      }
      if (verify.equals() != null && verify.equals().isArray()) {
        SensitiveColumns sensitive = new SensitiveColumns(session.target.sensitiveColumns());
        boolean[] masked = sensitive.mask(columns, verify.query(), null);
        for (int r = 0; r < verify.equals().size() && r < rows.size(); r++) {
          JsonNode expected = verify.equals().get(r);
          Iterator<Map.Entry<String, JsonNode>> fields = expected.fields();
          while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            int column = -1;
            for (int c = 0; c < columns.size(); c++) {
              if (columns.get(c).label().equalsIgnoreCase(field.getKey())) {
                column = c;
              }
            }
            if (column < 0) {
              throw FailureType.VERIFY_FAILED.failure(
                  "verify: the query returns no column " + field.getKey() + "; " + what);
            }
            String actual = rows.get(r)[column];
            if (!same(actual, field.getValue())) {
              throw FailureType.VERIFY_FAILED.failure(
                  "verify: row "
                      + (r + 1)
                      + " column "
                      + field.getKey()
                      + " is "
                      + (masked[column] ? SensitiveColumns.MASK : show(actual))
                      + ", expected "
                      + (masked[column] ? SensitiveColumns.MASK : field.getValue().toString())
                      + "; "
                      + what);
            }
          }
        }
      }
      return true;
    }
  }

  private static boolean same(String actual, JsonNode expected) {
    if (expected == null || expected.isNull()) {
      return actual == null;
    }
    if (actual == null) {
      return false;
    }
    if (expected.isNumber()) {
      try {
        return new BigDecimal(actual).compareTo(expected.decimalValue()) == 0;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (expected.isBoolean()) {
      boolean truth = actual.equals("t") || actual.equals("true") || actual.equals("1");
      boolean falsity = actual.equals("f") || actual.equals("false") || actual.equals("0");
      return expected.booleanValue() ? truth : falsity;
    }
    return actual.equals(expected.asText());
  }

  private static String show(String value) {
    return value == null ? "NULL" : "'" + Rows.cap(value, 100) + "'";
  }

  // ---- helpers

  private void ensureLedger(Session session, Ledger ledger) throws SQLException {
    String key = session.target.environment() + "/" + session.target.name();
    if (!ledgersReady.contains(key)) {
      ledger.ensure(session.connection);
      ledgersReady.add(key);
    }
  }

  /** Names the transaction in pg_stat_activity: {@code runbook <idempotency key>}. */
  static void label(Session session, StepRequest request) throws SQLException {
    if (session.dialect instanceof Dialect.Postgres) {
      try (PreparedStatement ps =
          session.connection.prepareStatement("SELECT set_config('application_name', ?, true)")) {
        String name = "runbook " + request.idempotencyKey();
        ps.setString(1, name.length() > 63 ? name.substring(0, 63) : name);
        ps.execute();
      }
    }
  }

  private static void dropQuietly(Session session, String table) {
    try {
      session.connection.setAutoCommit(true);
      try (Statement s = session.connection.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
      }
    } catch (SQLException e) {
      // best effort: an empty table named after the run and step is left behind
    }
  }

  private static String tableList(Change change) {
    return String.join(
        ", ", change.statements().stream().map(s -> s.table().plain()).distinct().toList());
  }

  static String rows(long n) {
    return n + (n == 1 ? " row" : " rows");
  }
}
