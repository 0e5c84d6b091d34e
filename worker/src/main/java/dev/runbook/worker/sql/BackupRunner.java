package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.sql.SqlFinding;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.workflow.FailureType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Backup tables: {@code sql.backup} (rows of a table matching a condition) and the backup of a
 * {@code sql.change} ({@code backup: true}) copy rows into a new table named after the run and the
 * step ({@code rb_bk_<run>_<step>_<hash>}), recorded in {@value Ledger#BACKUPS} with the source
 * table, its primary key, the row count and a checksum. {@code sql.restore} puts them back by
 * primary key in one transaction: rows still there are updated to their backed-up values, rows gone
 * are inserted. Running it again changes nothing more.
 */
final class BackupRunner {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern IDENTIFIER =
      Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$");
  private static final Pattern BACKUP_NAME = Pattern.compile("^rb_bk_[a-z0-9_]{1,57}$");
  static final Duration TIMEOUT = Duration.ofMinutes(30);

  private final SqlSettings settings;
  private final Set<String> ledgersReady = ConcurrentHashMap.newKeySet();

  BackupRunner(SqlSettings settings) {
    this.settings = settings;
  }

  /**
   * Copies rows into a backup table inside the current transaction.
   *
   * @param table the backup table
   * @param columns the source's writable columns, copied in this order
   * @param primaryKey the source's primary key
   * @param createsTable true when the first copy creates the table ({@code CREATE TABLE ... AS},
   *     PostgreSQL); false when it exists already (MySQL made it before the transaction)
   */
  record Copy(TableRef table, List<String> columns, List<String> primaryKey, boolean createsTable) {
    /**
     * Copies the rows {@code st} is about to touch; {@code first}: the first statement's copy, else
     * keys already copied are skipped.
     */
    void copy(Session session, ChangeStatement st, JsonNode bind, boolean first)
        throws SQLException {
      Dialect d = session.dialect;
      String list = String.join(", ", columns.stream().map(d::quote).toList());
      String select =
          st.selectRows(
              String.join(", ", columns.stream().map(c -> st.ref() + "." + d.quote(c)).toList()),
              primaryKey,
              d);
      String sql;
      if (first && createsTable) {
        sql = "CREATE TABLE " + table.written() + " AS " + select;
      } else if (first) {
        sql = "INSERT INTO " + table.written() + " (" + list + ") " + select;
      } else {
        sql =
            "INSERT INTO "
                + table.written()
                + " ("
                + list
                + ") SELECT "
                + String.join(", ", columns.stream().map(c -> "rb_src." + d.quote(c)).toList())
                + " FROM ("
                + select
                + ") rb_src WHERE NOT EXISTS (SELECT 1 FROM "
                + table.written()
                + " rb_b WHERE "
                + keyMatch("rb_b", "rb_src", primaryKey, d)
                + ")";
      }
      try (PreparedStatement ps = Binds.prepare(session.connection, sql, bind)) {
        ps.executeLargeUpdate();
      }
    }
  }

  /** {@code rb_bk_<run>_<step>_<8 hex of the idempotency key>}, at most 63 characters. */
  static String backupName(StepRequest request) {
    String hash = Rows.sha256Hex(request.idempotencyKey()).substring(0, 8);
    String run = sanitize(request.runId());
    String step = sanitize(request.stepId());
    int room = 63 - "rb_bk_".length() - 2 - hash.length();
    if (run.length() + step.length() > room) {
      int stepRoom = Math.min(step.length(), Math.max(12, room - run.length()));
      step = step.substring(0, stepRoom);
      run = run.substring(0, Math.min(run.length(), room - step.length()));
    }
    return "rb_bk_" + run + "_" + step + "_" + hash;
  }

  private static String sanitize(String text) {
    String s = text == null ? "" : text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    return s.replaceAll("^_+|_+$", "");
  }

  // ---- sql.backup

  StepResult backup(ConnectionPools pools, SqlTarget target, StepRequest request) {
    JsonNode with = request.with();
    String tableText = identifier(with, "table");
    String where = Inputs.text(with, "where");
    JsonNode bind = Inputs.bind(with.get("bind"), "bind");
    guardWhere(tableText, where);
    String name = backupName(request);
    try (Session session = Session.open(pools, target)) {
      Ledger ledger = Ledger.of(session, settings);
      TableRef source = table(tableText, session.dialect);
      TableRef backup = new TableRef(ledger.schema(), name, ledger.qualified(name));
      boolean createdOutside = false;
      try {
        ensureLedger(session, ledger);
        Optional<Ledger.Backup> earlier = ledger.backup(session.connection, name);
        session.connection.commit();
        if (earlier.isPresent()) {
          return backupResult(earlier.get(), true);
        }
        String problem = session.dialect.notTransactional(session.connection, source);
        if (problem != null) {
          throw FailureType.CONFIGURATION.failure(problem);
        }
        List<String> pk = session.dialect.primaryKey(session.connection, source);
        List<String> columns = session.dialect.writableColumns(session.connection, source);
        if (columns.isEmpty()) {
          throw FailureType.SQL_ERROR.failure("table " + source.plain() + " does not exist");
        }
        if (!session.dialect.transactionalDdl()) {
          createdOutside = true;
          session.connection.setAutoCommit(true);
          try (Statement s = session.connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + backup.written());
            s.execute(session.dialect.createCopy(backup.written(), source));
          }
        }
        session.begin(false, TIMEOUT, ChangeRunner.LOCK_TIMEOUT);
        String list = String.join(", ", columns.stream().map(session.dialect::quote).toList());
        String select = "SELECT " + list + " FROM " + source.written() + " WHERE " + where;
        // PostgreSQL: CREATE TABLE ... AS inside the transaction (its bulk-insert path, faster than
        // INSERT ... SELECT); MySQL made the table above and fills it here.
        String sql =
            session.dialect.transactionalDdl()
                ? "CREATE TABLE " + backup.written() + " AS " + select
                : "INSERT INTO " + backup.written() + " (" + list + ") " + select;
        try (PreparedStatement ps = Binds.prepare(session.connection, sql, bind)) {
          JdbcSqlActivities.clientTimeout(session, ps, TIMEOUT);
          ps.executeLargeUpdate();
        }
        Checksums.Sum sum = Checksums.server(session.connection, session.dialect, backup, columns);
        Ledger.Backup entry =
            new Ledger.Backup(
                name,
                source.written(),
                pk,
                request.runId(),
                request.stepId(),
                sum.rows(),
                sum.checksum());
        ledger.recordBackup(session.connection, entry, request.environment());
        session.connection.commit();
        createdOutside = false;
        return backupResult(entry, false);
      } catch (SQLException e) {
        session.rollbackQuietly();
        throw session.fail(e, "the backup of " + source.plain());
      } catch (RuntimeException e) {
        session.rollbackQuietly();
        throw e;
      } finally {
        if (createdOutside) {
          dropQuietly(session, backup.written());
        }
      }
    }
  }

  private static StepResult backupResult(Ledger.Backup entry, boolean earlier) {
    ObjectNode outputs = NODES.objectNode();
    outputs.put("backupTable", entry.table());
    outputs.put("rowCount", entry.rows());
    outputs.put("checksum", entry.checksum());
    outputs.put("table", entry.sourceTable());
    outputs.put("hasPrimaryKey", !entry.primaryKey().isEmpty());
    return new StepResult(
        outputs,
        (earlier ? "already taken by an earlier attempt: " : "")
            + ChangeRunner.rows(entry.rows())
            + " of "
            + entry.sourceTable()
            + " in "
            + entry.table()
            + (entry.primaryKey().isEmpty()
                ? " (no primary key: sql.restore cannot put these rows back)"
                : ""));
  }

  /** The guards on {@code where}: one condition, not always true, no writes, no functions. */
  private static void guardWhere(String table, String where) {
    List<String> findings = new ArrayList<>();
    SqlAnalysis asChange =
        SqlGuard.analyze("DELETE FROM " + table + " WHERE " + where, SqlContext.CHANGE);
    SqlAnalysis asQuery =
        SqlGuard.analyze("SELECT * FROM " + table + " WHERE " + where, SqlContext.QUERY);
    asChange.findings().stream().map(SqlFinding::message).forEach(findings::add);
    asQuery.findings().stream().map(SqlFinding::message).forEach(findings::add);
    List<String> distinct = findings.stream().distinct().collect(Collectors.toList());
    if (!distinct.isEmpty()) {
      throw FailureType.GUARD_VIOLATION.failure(
          "where refused by the guards at run time: "
              + String.join("; ", distinct)
                  .replace("DELETE", "backup")
                  .replace("delete", "backup"));
    }
  }

  // ---- sql.restore

  StepResult restore(ConnectionPools pools, SqlTarget target, StepRequest request) {
    JsonNode with = request.with();
    String name = Inputs.text(with, "backup");
    if (!BACKUP_NAME.matcher(name).matches()) {
      throw FailureType.NOT_OWNED.failure(
          name + " is not a backup table the engine made (rb_bk_<run>_<step>_<hash>)");
    }
    String into = with.hasNonNull("table") ? identifier(with, "table") : null;
    try (Session session = Session.open(pools, target)) {
      Ledger ledger = Ledger.of(session, settings);
      try {
        ensureLedger(session, ledger);
        Ledger.Backup entry =
            ledger
                .backup(session.connection, name)
                .orElseThrow(
                    () ->
                        FailureType.NOT_OWNED.failure(
                            "no backup "
                                + name
                                + " in "
                                + Ledger.BACKUPS
                                + " of "
                                + target.name()));
        session.connection.commit();
        if (!entry.runId().equals(request.runId())) {
          throw FailureType.NOT_OWNED.failure(
              "backup "
                  + name
                  + " was taken by run "
                  + entry.runId()
                  + "; a run restores only its own backups");
        }
        if (entry.primaryKey().isEmpty()) {
          throw FailureType.CONFIGURATION.failure(
              "backup "
                  + name
                  + " of "
                  + entry.sourceTable()
                  + " cannot be restored: the table has no primary key to match rows on");
        }
        TableRef source = table(entry.sourceTable(), session.dialect);
        TableRef destination = into == null ? source : table(into, session.dialect);
        TableRef backup = new TableRef(ledger.schema(), name, ledger.qualified(name));
        session.begin(false, TIMEOUT, ChangeRunner.LOCK_TIMEOUT);
        // v1 checksums (taken in the worker) cover the source's columns as the backup holds them;
        // v2 (taken by the server) the backup table's own columns.
        boolean v1 = entry.checksum().startsWith(Checksums.V1);
        List<String> backedUp =
            session.dialect.writableColumns(session.connection, v1 ? source : backup);
        if (backedUp.isEmpty()) {
          throw FailureType.STEP_FAILED.failure(
              (v1 ? "table " + source.plain() : "backup table " + name)
                  + " does not exist any more; nothing was restored");
        }
        Checksums.Sum now =
            Checksums.sameWayAs(
                entry.checksum(), session.connection, session.dialect, backup, backedUp);
        if (!now.checksum().equals(entry.checksum())) {
          throw FailureType.STEP_FAILED.failure(
              "backup "
                  + name
                  + " no longer matches its checksum ("
                  + ChangeRunner.rows(now.rows())
                  + " now, "
                  + ChangeRunner.rows(entry.rows())
                  + " when taken): it or its table's columns changed; nothing was restored");
        }
        Set<String> targetColumns = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        targetColumns.addAll(session.dialect.writableColumns(session.connection, destination));
        List<String> columns = backedUp.stream().filter(targetColumns::contains).toList();
        if (!v1 && columns.size() < backedUp.size()) {
          List<String> missing = backedUp.stream().filter(c -> !targetColumns.contains(c)).toList();
          throw FailureType.CONFIGURATION.failure(
              "table "
                  + destination.plain()
                  + " has no writable column "
                  + String.join(", ", missing)
                  + " that backup "
                  + name
                  + " holds (its columns changed since the backup); nothing was restored");
        }
        for (String key : entry.primaryKey()) {
          if (!targetColumns.contains(key)) {
            throw FailureType.CONFIGURATION.failure(
                "table " + destination.plain() + " has no column " + key + " of the primary key");
          }
        }
        long[] counts = restoreRows(session, destination, backup, columns, entry.primaryKey());
        session.connection.commit();
        ObjectNode outputs = NODES.objectNode();
        outputs.put("rowsRestored", counts[0] + counts[1]);
        outputs.put("updated", counts[0]);
        outputs.put("inserted", counts[1]);
        outputs.put("backupTable", name);
        outputs.put("table", destination.plain());
        return new StepResult(
            outputs,
            ChangeRunner.rows(counts[0] + counts[1])
                + " of "
                + destination.plain()
                + " put back from "
                + name
                + " ("
                + counts[0]
                + " updated, "
                + counts[1]
                + " inserted)");
      } catch (SQLException e) {
        session.rollbackQuietly();
        throw session.fail(e, "the restore from " + name);
      } catch (RuntimeException e) {
        session.rollbackQuietly();
        throw e;
      }
    }
  }

  /** Updates the rows still there, inserts the rows gone; returns {updated, inserted}. */
  private static long[] restoreRows(
      Session session, TableRef table, TableRef backup, List<String> columns, List<String> pk)
      throws SQLException {
    Dialect d = session.dialect;
    List<String> nonKey =
        columns.stream().filter(c -> pk.stream().noneMatch(k -> k.equalsIgnoreCase(c))).toList();
    String match = keyMatch("rb_t", "rb_b", pk, d);
    long updated = 0;
    if (!nonKey.isEmpty()) {
      String sets =
          String.join(
              ", ",
              nonKey.stream()
                  .map(
                      c ->
                          (d instanceof Dialect.MySql ? "rb_t." : "")
                              + d.quote(c)
                              + " = rb_b."
                              + d.quote(c))
                  .toList());
      String update =
          d instanceof Dialect.MySql
              ? "UPDATE "
                  + table.written()
                  + " AS rb_t JOIN "
                  + backup.written()
                  + " AS rb_b ON "
                  + match
                  + " SET "
                  + sets
              : "UPDATE "
                  + table.written()
                  + " AS rb_t SET "
                  + sets
                  + " FROM "
                  + backup.written()
                  + " AS rb_b WHERE "
                  + match;
      try (Statement s = session.connection.createStatement()) {
        updated = s.executeLargeUpdate(update);
      }
    }
    boolean overriding =
        d instanceof Dialect.Postgres pg && pg.identityAlways(session.connection, table);
    String list = String.join(", ", columns.stream().map(d::quote).toList());
    String insert =
        "INSERT INTO "
            + table.written()
            + " ("
            + list
            + ")"
            + (overriding ? " OVERRIDING SYSTEM VALUE" : "")
            + " SELECT "
            + String.join(", ", columns.stream().map(c -> "rb_b." + d.quote(c)).toList())
            + " FROM "
            + backup.written()
            + " AS rb_b WHERE NOT EXISTS (SELECT 1 FROM "
            + table.written()
            + " AS rb_t WHERE "
            + match
            + ")";
    long inserted;
    try (Statement s = session.connection.createStatement()) {
      inserted = s.executeLargeUpdate(insert);
    }
    return new long[] {updated, inserted};
  }

  private static String keyMatch(String left, String right, List<String> pk, Dialect d) {
    return String.join(
        " AND ",
        pk.stream().map(k -> left + "." + d.quote(k) + " = " + right + "." + d.quote(k)).toList());
  }

  private static String identifier(JsonNode with, String field) {
    String text = Inputs.text(with, field);
    if (!IDENTIFIER.matcher(text).matches()) {
      throw FailureType.INVALID_PLAN.failure(
          field + ": expected a table name such as billing.invoices, got " + text);
    }
    return text;
  }

  /** A table as written as a {@link TableRef}. */
  private static TableRef table(String text, Dialect dialect) {
    return TableRef.parse(text, dialect.foldsToLower());
  }

  private void ensureLedger(Session session, Ledger ledger) throws SQLException {
    String key = session.target.environment() + "/" + session.target.name();
    if (!ledgersReady.contains(key)) {
      ledger.ensure(session.connection);
      ledgersReady.add(key);
    }
    session.connection.setAutoCommit(false);
  }

  private static void dropQuietly(Session session, String table) {
    try {
      session.connection.setAutoCommit(true);
      try (Statement s = session.connection.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
      }
    } catch (SQLException e) {
      // best effort
    }
  }
}
