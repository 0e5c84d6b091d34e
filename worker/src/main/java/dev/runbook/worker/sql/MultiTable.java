package dev.runbook.worker.sql;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * MySQL's multi-table UPDATE and DELETE ({@code UPDATE a JOIN b ON ... SET a.x = ... WHERE ...},
 * {@code UPDATE a, b SET ...}, {@code DELETE a FROM a JOIN b ON ... WHERE ...}): the table
 * references as written, and the tables the statement writes, resolved from the qualifiers of its
 * SET columns (an alias, else a table name) or from its DELETE list.
 *
 * @param sources the table references, joins and ON conditions as written
 * @param targets the tables written, each once, in the order they are named; empty when a SET
 *     column names no table (MySQL would pick the table by its columns; this does not guess)
 */
record MultiTable(String sources, List<Table> targets) {
  private static final List<String> UPDATE_MODIFIERS = List.of("LOW_PRIORITY", "IGNORE");

  /**
   * The multi-table form of {@code parsed}, or null when it is not one.
   *
   * @param start the token of UPDATE / DELETE
   * @param where the token of the top-level WHERE, or -1
   */
  static MultiTable of(Statement parsed, String body, SqlText text, int start, int where) {
    List<SqlText.Token> tokens = text.tokens();
    if (parsed instanceof Update u
        && u.getStartJoins() != null
        && !u.getStartJoins().isEmpty()
        && u.getFromItem() == null) {
      int from = start + 1;
      while (from < tokens.size() && modifier(tokens.get(from))) {
        from++;
      }
      int set = text.topLevel("SET", from);
      if (set < 0 || from >= set) {
        return null;
      }
      String sources = body.substring(tokens.get(from).start(), tokens.get(set).start()).strip();
      List<Table> refs = references(u.getTable(), u.getStartJoins());
      List<Table> targets = new ArrayList<>();
      for (UpdateSet assignment : u.getUpdateSets()) {
        for (Column column : assignment.getColumns()) {
          Table target = resolve(column.getTable(), refs);
          if (target == null) {
            return new MultiTable(sources, List.of());
          }
          if (targets.stream().noneMatch(t -> t == target)) {
            targets.add(target);
          }
        }
      }
      return new MultiTable(sources, List.copyOf(targets));
    }
    if (parsed instanceof Delete d && d.getTables() != null && !d.getTables().isEmpty()) {
      int from = text.topLevel("FROM", start);
      if (from < 0 || where < 0 || from > where) {
        return null;
      }
      String sources = body.substring(tokens.get(from).end(), tokens.get(where).start()).strip();
      List<Table> refs = references(d.getTable(), d.getJoins());
      List<Table> targets = new ArrayList<>();
      for (Table named : d.getTables()) {
        Table target = resolve(named, refs);
        if (target == null) {
          return new MultiTable(sources, List.of());
        }
        if (targets.stream().noneMatch(t -> t == target)) {
          targets.add(target);
        }
      }
      return new MultiTable(sources, List.copyOf(targets));
    }
    return null;
  }

  private static boolean modifier(SqlText.Token token) {
    return UPDATE_MODIFIERS.stream().anyMatch(token::isWord);
  }

  /** The tables of the FROM part: the first and each joined one (derived tables are skipped). */
  private static List<Table> references(Table first, List<Join> joins) {
    List<Table> out = new ArrayList<>();
    out.add(first);
    if (joins != null) {
      for (Join join : joins) {
        FromItem item = join.getFromItem();
        if (item instanceof Table t) {
          out.add(t);
        }
      }
    }
    return out;
  }

  /** The table {@code named} refers to: by alias first, else by name (and schema); or null. */
  private static Table resolve(Table named, List<Table> refs) {
    if (named == null || named.getName() == null) {
      return null;
    }
    String name = named.getName();
    String schema = named.getSchemaName();
    if (schema == null) {
      for (Table t : refs) {
        if (t.getAlias() != null && t.getAlias().getName().equalsIgnoreCase(name)) {
          return t;
        }
      }
    }
    for (Table t : refs) {
      if (t.getName().equalsIgnoreCase(name)
          && (schema == null || schema.equalsIgnoreCase(t.getSchemaName()))) {
        return t;
      }
    }
    return null;
  }
}
