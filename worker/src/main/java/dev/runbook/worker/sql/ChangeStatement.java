package dev.runbook.worker.sql;

import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlContext;
import dev.runbook.engine.sql.SqlFinding;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.sql.StatementType;
import dev.runbook.engine.workflow.FailureType;
import java.util.List;
import java.util.stream.Collectors;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * One statement of a {@code sql.change}, checked again by the guards at run time and taken apart
 * enough to find exactly the rows it touches: its table, alias, the WITH clause before it and the
 * WHERE clause (with ORDER BY / LIMIT) as written.
 *
 * @param sql the statement without a trailing {@code ;}
 * @param type INSERT, UPDATE, DELETE or MERGE
 * @param table the table it writes
 * @param alias the table's alias, or null
 * @param with the WITH clause before the statement (with a trailing blank), or empty
 * @param whereTail from WHERE to the end, without RETURNING; empty for INSERT and MERGE
 * @param returning whether the statement has its own RETURNING
 * @param singleTable false for UPDATE ... FROM / JOIN and DELETE ... USING / JOIN
 * @param joined for PostgreSQL's UPDATE ... FROM and DELETE ... USING: the other tables as written
 *     (their rows are matched with {@code EXISTS}); null otherwise
 * @param sources for MySQL's multi-table UPDATE and DELETE ({@code UPDATE a JOIN b ON ... SET},
 *     {@code DELETE a FROM a JOIN b ...}): the table references as written, joins and all (the
 *     target's rows are matched by primary key {@code IN} a SELECT over them); null otherwise
 * @param targets for {@code sources}: every table the statement writes, as resolved from its SET
 *     columns or DELETE list (empty when a SET column names no table); else just {@code table}
 */
record ChangeStatement(
    String sql,
    StatementType type,
    TableRef table,
    String alias,
    String with,
    String whereTail,
    boolean returning,
    boolean singleTable,
    String joined,
    String sources,
    List<TableRef> targets) {

  /** How the selects of this statement name its table's rows: the alias or the table. */
  String ref() {
    return alias != null ? alias : table.written();
  }

  /** {@code table [alias]} for a FROM clause. */
  String from() {
    return table.written() + (alias == null ? "" : " " + alias);
  }

  /**
   * Whether before-images can be selected: UPDATE or DELETE of one table (also PostgreSQL's UPDATE
   * ... FROM / DELETE ... USING, and MySQL's multi-table forms that write one table, given its
   * primary key: see {@link #imagesNeedPrimaryKey()}).
   */
  boolean hasBeforeImages() {
    return (singleTable || joined != null || sources != null && targets.size() == 1)
        && (type == StatementType.UPDATE || type == StatementType.DELETE);
  }

  /** True for MySQL's multi-table forms: their rows are found by primary key. */
  boolean imagesNeedPrimaryKey() {
    return sources != null;
  }

  /**
   * Why this statement's rows cannot be imaged, or null: a MERGE, or a multi-table statement that
   * writes several tables or whose SET columns name no table.
   */
  String whyNotImaged() {
    if (type == StatementType.MERGE) {
      return "a MERGE";
    }
    if (sources == null || targets.size() == 1) {
      return null;
    }
    if (targets.isEmpty()) {
      return "a multi-table UPDATE whose SET columns do not name their table (write SET t.column"
          + " = ... so the rows it changes can be found)";
    }
    return "a multi-table "
        + type
        + " that writes several tables ("
        + String.join(", ", targets.stream().map(TableRef::plain).toList())
        + ")";
  }

  /**
   * A SELECT of {@code columns} over exactly the rows this statement touches, with its WHERE (and
   * ORDER BY / LIMIT) as written: {@code [WITH ...] SELECT columns FROM table [alias] WHERE ...};
   * with {@code WHERE EXISTS (SELECT 1 FROM <joined> WHERE ...)} for UPDATE ... FROM / DELETE ...
   * USING; with {@code WHERE (<primary key>) IN (SELECT <primary key> FROM <sources> WHERE ...)}
   * for MySQL's multi-table forms (a target row matched by several joined rows counts once, as the
   * statement changes it once).
   *
   * @param primaryKey the table's primary key (needed for the multi-table forms)
   */
  String selectRows(String columns, List<String> primaryKey, Dialect dialect) {
    String select = with + "SELECT " + columns + " FROM " + from();
    if (joined != null) {
      return select + " WHERE EXISTS (SELECT 1 FROM " + joined + " " + whereTail + ")";
    }
    if (sources != null) {
      if (primaryKey.isEmpty()) {
        throw new IllegalStateException("a multi-table statement is imaged by primary key");
      }
      String key =
          String.join(", ", primaryKey.stream().map(k -> ref() + "." + dialect.quote(k)).toList());
      return select
          + " WHERE ("
          + key
          + ") IN (SELECT "
          + key
          + " FROM "
          + sources
          + (whereTail.isEmpty() ? "" : " " + whereTail)
          + ")";
    }
    return select + " " + whereTail;
  }

  /**
   * Checks {@code sql} with the guards (CHANGE context) and reads its parts.
   *
   * @throws io.temporal.failure.ApplicationFailure GUARD_VIOLATION naming every finding
   */
  static ChangeStatement of(int index, String sql, boolean foldsToLower) {
    SqlAnalysis analysis = SqlGuard.analyze(sql, SqlContext.CHANGE);
    if (!analysis.ok()) {
      throw FailureType.GUARD_VIOLATION.failure(
          "statement "
              + (index + 1)
              + " refused by the guards at run time: "
              + analysis.findings().stream()
                  .map(SqlFinding::message)
                  .collect(Collectors.joining("; ")));
    }
    SqlText text = SqlText.of(sql);
    String body = text.withoutTerminator();
    Statement parsed;
    try {
      parsed = CCJSqlParserUtil.parse(body);
    } catch (JSQLParserException e) {
      throw FailureType.GUARD_VIOLATION.failure(
          "statement " + (index + 1) + " cannot be parsed at run time");
    }
    SqlText bodyText = SqlText.of(body);
    StatementType type = analysis.type();
    Table table;
    boolean single = true;
    String keyword;
    switch (parsed) {
      case Update u -> {
        table = u.getTable();
        single =
            (u.getStartJoins() == null || u.getStartJoins().isEmpty())
                && u.getFromItem() == null
                && (u.getJoins() == null || u.getJoins().isEmpty());
        keyword = "UPDATE";
      }
      case Delete d -> {
        table = d.getTable();
        single =
            (d.getTables() == null || d.getTables().isEmpty())
                && (d.getUsingFromItemList() == null || d.getUsingFromItemList().isEmpty())
                && (d.getJoins() == null || d.getJoins().isEmpty());
        keyword = "DELETE";
      }
      case Insert i -> {
        table = i.getTable();
        keyword = "INSERT";
      }
      case Upsert u -> {
        table = u.getTable();
        keyword = "REPLACE";
      }
      case Merge m -> {
        table = m.getTable();
        keyword = "MERGE";
      }
      default ->
          throw FailureType.GUARD_VIOLATION.failure(
              "statement " + (index + 1) + " is not an INSERT, UPDATE, DELETE or MERGE");
    }
    String alias = table.getAlias() == null ? null : table.getAlias().getName();
    Table bare = new Table(table.getSchemaName(), table.getName());
    TableRef ref = TableRef.of(bare.getSchemaName(), bare.getName(), foldsToLower);
    int start = bodyText.topLevel(keyword);
    String with = start > 0 ? body.substring(0, bodyText.tokens().get(start).start()) : "";
    int returningAt = bodyText.topLevel("RETURNING", Math.max(start, 0));
    int end = returningAt < 0 ? body.length() : bodyText.tokens().get(returningAt).start();
    String whereTail = "";
    String joined = null;
    String sources = null;
    List<TableRef> targets = List.of(ref);
    if (type == StatementType.UPDATE || type == StatementType.DELETE) {
      int where = bodyText.topLevel("WHERE", Math.max(start, 0));
      if (where >= 0) {
        whereTail = body.substring(bodyText.tokens().get(where).start(), end).strip();
        joined = joined(parsed, body, bodyText, start, where);
      }
      MultiTable multi = MultiTable.of(parsed, body, bodyText, Math.max(start, 0), where);
      if (multi != null) {
        sources = multi.sources();
        List<Table> written = multi.targets();
        targets =
            written.stream()
                .map(t -> TableRef.of(t.getSchemaName(), t.getName(), foldsToLower))
                .toList();
        if (written.size() == 1) {
          Table target = written.get(0);
          ref = targets.get(0);
          alias = target.getAlias() == null ? null : target.getAlias().getName();
        }
      }
    }
    return new ChangeStatement(
        body,
        type,
        ref,
        alias,
        with,
        whereTail,
        returningAt >= 0,
        single,
        joined,
        sources,
        targets);
  }

  /** The FROM list of UPDATE ... FROM or the USING list of DELETE ... USING, as written. */
  private static String joined(Statement parsed, String body, SqlText text, int start, int where) {
    String keyword;
    int after;
    if (parsed instanceof Update u
        && u.getFromItem() != null
        && (u.getStartJoins() == null || u.getStartJoins().isEmpty())) {
      keyword = "FROM";
      after = text.topLevel("SET", Math.max(start, 0));
    } else if (parsed instanceof Delete d
        && d.getUsingFromItemList() != null
        && !d.getUsingFromItemList().isEmpty()
        && (d.getTables() == null || d.getTables().isEmpty())) {
      keyword = "USING";
      after = Math.max(start, 0);
    } else {
      return null;
    }
    int at = after < 0 ? -1 : text.topLevel(keyword, after);
    if (at < 0 || at > where) {
      return null;
    }
    return body.substring(text.tokens().get(at).end(), text.tokens().get(where).start()).strip();
  }
}
