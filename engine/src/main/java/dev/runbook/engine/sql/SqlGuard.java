package dev.runbook.engine.sql;

import dev.runbook.engine.sql.Lead.Category;
import dev.runbook.engine.sql.Token.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Commit;
import net.sf.jsqlparser.statement.RollbackStatement;
import net.sf.jsqlparser.statement.SavepointStatement;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * Checks one SQL string written in a runbook or passed as a {@code sql} param. Pure: no IO, no
 * state; safe to call from the compiler and from the worker.
 *
 * <p>Two views of the text are used. {@link SqlLexer} tokens give what no parser quirk can hide:
 * the statement count, {@code :binds}, {@code ?}, function names, write keywords. JSqlParser gives
 * the structure: the statement type, the WHERE clause, the tables. A finding from either view
 * counts.
 */
public final class SqlGuard {

  /**
   * Server functions that reach outside the data: sessions, files, sleeping, other servers, and
   * session state that outlives the statement on a pooled connection (session-level advisory locks,
   * set_config with is_local false).
   */
  static final Set<String> FORBIDDEN_FUNCTIONS =
      Set.of(
          "pg_terminate_backend",
          "pg_cancel_backend",
          "pg_sleep",
          "pg_read_file",
          "pg_read_binary_file",
          "pg_ls_dir",
          "lo_import",
          "lo_export",
          "dblink",
          "dblink_exec",
          "sleep",
          "benchmark",
          "load_file",
          "sys_exec",
          "pg_advisory_lock",
          "pg_advisory_lock_shared",
          "pg_try_advisory_lock",
          "pg_try_advisory_lock_shared",
          "set_config",
          "get_lock");

  private static final Set<StatementType> CHANGES =
      Set.of(StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE);

  /** Words before a name and "(" that make it a table or alias, not a function call. */
  private static final Set<String> NOT_A_CALL_AFTER =
      Set.of("AS", "INTO", "TABLE", "UPDATE", "ONLY");

  private SqlGuard() {}

  /**
   * Analyses {@code sql} for use in {@code context}. Never throws: every problem, including
   * unparseable text, is a finding. {@code null} text counts as empty; a {@code null} context as
   * {@link SqlContext#QUERY}.
   */
  public static SqlAnalysis analyze(String sql, SqlContext context) {
    try {
      return analyzeText(sql == null ? "" : sql, context == null ? SqlContext.QUERY : context);
    } catch (StackOverflowError e) {
      return only(Messages.cannotParse("nested too deeply"));
    } catch (RuntimeException e) {
      return only(Messages.cannotParse(SqlParsing.reason(e)));
    }
  }

  private static SqlAnalysis analyzeText(String sql, SqlContext context) {
    SqlLexer.Result lexed = SqlLexer.lex(sql);
    if (lexed.error() == null
        && lexed.tokens().stream().allMatch(t -> t.kind() == Kind.SEMICOLON)) {
      return only(Messages.EMPTY);
    }
    if (lexed.error() != null) {
      return only(Messages.cannotParse(lexed.error()));
    }
    List<List<Token>> statements = split(lexed.tokens());
    SqlParsing.Result parsed = SqlParsing.parse(sql);
    int count = Math.max(statements.size(), parsed.statements().size());
    if (count > 1) {
      StatementType first =
          parsed.statements().isEmpty()
              ? typeOf(Lead.of(statements.getFirst()), null)
              : typeOf(Lead.of(statements.getFirst()), parsed.statements().getFirst());
      return new SqlAnalysis(
          first, List.of(), List.of(), List.of(new SqlFinding(Messages.oneStatement(count))));
    }
    List<Token> tokens = statements.getFirst();
    Lead lead = Lead.of(tokens);
    List<String> binds = binds(tokens);
    if (lead.is(Category.TRANSACTION_CONTROL)) {
      return new SqlAnalysis(
          StatementType.TRANSACTION_CONTROL,
          binds,
          List.of(),
          List.of(new SqlFinding(Messages.transactionControl(lead.keyword()))));
    }
    if (parsed.error() != null || parsed.statements().isEmpty()) {
      if (context == SqlContext.MIGRATION && lead.is(Category.DDL)) {
        return unparsedMigrationDdl(lead, tokens, binds);
      }
      return unparsed(lead, binds, context, parsed.error());
    }
    return check(parsed.statements().getFirst(), lead, tokens, binds, context);
  }

  /** The parser could not read it; name what it is when the leading words say so. */
  private static SqlAnalysis unparsed(
      Lead lead, List<String> binds, SqlContext context, String error) {
    return switch (lead.category()) {
      case DDL ->
          new SqlAnalysis(
              StatementType.DDL,
              binds,
              List.of(),
              List.of(new SqlFinding(Messages.ddl(lead.keyword()))));
      case OTHER_COMMAND ->
          new SqlAnalysis(
              StatementType.OTHER,
              binds,
              List.of(),
              List.of(new SqlFinding(notAllowedHere(lead.keyword(), context))));
      default -> only(Messages.cannotParse(error == null ? "syntax error" : error));
    };
  }

  /**
   * Vendor DDL the parser cannot read (e.g. MySQL's {@code ALTER TABLE ... DROP INDEX}) is allowed
   * in a migration statement; the token checks still apply: one statement (already counted), no
   * transaction control (already refused), no {@code ?}, no server functions outside the data.
   */
  private static SqlAnalysis unparsedMigrationDdl(
      Lead lead, List<Token> tokens, List<String> binds) {
    List<String> findings = new ArrayList<>();
    if (lead.keyword().startsWith("TRUNCATE")) {
      findings.add(Messages.MIGRATION_TRUNCATE);
    }
    if (tokens.stream().anyMatch(t -> t.kind() == Kind.POSITIONAL_PARAM)) {
      findings.add(Messages.POSITIONAL);
    }
    for (String function : calledFunctions(tokens, List.of())) {
      findings.add(Messages.functionNotAllowed(function));
    }
    return new SqlAnalysis(
        StatementType.DDL, binds, List.of(), findings.stream().map(SqlFinding::new).toList());
  }

  private static SqlAnalysis check(
      Statement statement, Lead lead, List<Token> tokens, List<String> binds, SqlContext context) {
    StatementType type = typeOf(lead, statement);
    if (type == StatementType.TRANSACTION_CONTROL) {
      String keyword = lead.keyword().isEmpty() ? "COMMIT" : lead.keyword();
      return new SqlAnalysis(
          type, binds, List.of(), List.of(new SqlFinding(Messages.transactionControl(keyword))));
    }
    AstScan scan = AstScan.of(statement);
    if (statement instanceof Select select) {
      scan.noteLock(select);
    }
    List<String> findings = new ArrayList<>();
    if (type == StatementType.DDL && context != SqlContext.MIGRATION) {
      findings.add(Messages.ddl(lead.is(Category.DDL) ? lead.keyword() : ddlName(statement)));
    }
    List<String> writeWords = writeKeywords(tokens);
    if (context == SqlContext.MIGRATION) {
      if (type == StatementType.DDL && lead.keyword().startsWith("TRUNCATE")) {
        findings.add(Messages.MIGRATION_TRUNCATE);
      }
      if (CHANGES.contains(type)) {
        findings.addAll(whereFindings(statement, scan));
        for (String nested : nestedWrites(type, writeWords, scan)) {
          findings.add(Messages.changeNestedWrite(nested));
        }
      } else if (type != StatementType.DDL) {
        findings.add(Messages.migrationMustBeDdlOrDml(typeName(type, lead, statement)));
      }
    } else if (context == SqlContext.CHANGE) {
      if (CHANGES.contains(type)) {
        findings.addAll(whereFindings(statement, scan));
        for (String nested : nestedWrites(type, writeWords, scan)) {
          findings.add(Messages.changeNestedWrite(nested));
        }
      } else if (type != StatementType.DDL) {
        findings.add(Messages.changeMustBeDml(typeName(type, lead, statement)));
      }
    } else if (type == StatementType.SELECT || CHANGES.contains(type)) {
      Set<String> writes = new LinkedHashSet<>(writeWords);
      writes.addAll(scan.writes);
      for (String write : writes) {
        findings.add(Messages.queryMayNotContain(write));
      }
    } else if (type != StatementType.DDL) {
      findings.add(Messages.queryMustBeSelect(typeName(type, lead, statement)));
    }
    if (scan.positional || tokens.stream().anyMatch(t -> t.kind() == Kind.POSITIONAL_PARAM)) {
      findings.add(Messages.POSITIONAL);
    }
    Set<String> functions = new LinkedHashSet<>();
    if (type != StatementType.DDL) {
      functions.addAll(calledFunctions(tokens, scan.tables));
    }
    functions.addAll(scan.functions);
    for (String function : functions) {
      findings.add(Messages.functionNotAllowed(function));
    }
    List<String> tables =
        context == SqlContext.QUERY ? distinctNames(scan.tables) : writtenTables(statement);
    return new SqlAnalysis(
        type, binds, tables, findings.stream().distinct().map(SqlFinding::new).toList());
  }

  private static SqlAnalysis only(String message) {
    return new SqlAnalysis(
        StatementType.OTHER, List.of(), List.of(), List.of(new SqlFinding(message)));
  }

  private static String notAllowedHere(String what, SqlContext context) {
    return switch (context) {
      case CHANGE -> Messages.changeMustBeDml(what);
      case MIGRATION -> Messages.migrationMustBeDdlOrDml(what);
      case QUERY -> Messages.queryMustBeSelect(what);
    };
  }

  // ---- statements and types

  private static List<List<Token>> split(List<Token> tokens) {
    List<List<Token>> statements = new ArrayList<>();
    List<Token> current = new ArrayList<>();
    for (Token token : tokens) {
      if (token.kind() == Kind.SEMICOLON) {
        if (!current.isEmpty()) {
          statements.add(current);
        }
        current = new ArrayList<>();
      } else {
        current.add(token);
      }
    }
    if (!current.isEmpty()) {
      statements.add(current);
    }
    return statements;
  }

  private static StatementType typeOf(Lead lead, Statement statement) {
    if (lead.is(Category.TRANSACTION_CONTROL)) {
      return StatementType.TRANSACTION_CONTROL;
    }
    if (lead.is(Category.DDL)) {
      return StatementType.DDL;
    }
    return switch (statement) {
      case null -> StatementType.OTHER;
      case Select ignored -> StatementType.SELECT;
      case Insert ignored -> StatementType.INSERT;
      case Upsert ignored -> StatementType.INSERT;
      case Update ignored -> StatementType.UPDATE;
      case Delete ignored -> StatementType.DELETE;
      case Merge ignored -> StatementType.MERGE;
      case Commit ignored -> StatementType.TRANSACTION_CONTROL;
      case RollbackStatement ignored -> StatementType.TRANSACTION_CONTROL;
      case SavepointStatement ignored -> StatementType.TRANSACTION_CONTROL;
      default -> isDdlClass(statement) ? StatementType.DDL : StatementType.OTHER;
    };
  }

  private static boolean isDdlClass(Statement statement) {
    String pkg = statement.getClass().getPackageName();
    return pkg.startsWith("net.sf.jsqlparser.statement.create")
        || pkg.startsWith("net.sf.jsqlparser.statement.alter")
        || pkg.startsWith("net.sf.jsqlparser.statement.drop")
        || pkg.startsWith("net.sf.jsqlparser.statement.truncate")
        || pkg.startsWith("net.sf.jsqlparser.statement.comment")
        || pkg.startsWith("net.sf.jsqlparser.statement.grant");
  }

  private static String ddlName(Statement statement) {
    return statement.getClass().getSimpleName().toUpperCase(Locale.ROOT);
  }

  private static String typeName(StatementType type, Lead lead, Statement statement) {
    if (type != StatementType.OTHER) {
      return type.name();
    }
    if (!lead.keyword().isEmpty()) {
      return lead.keyword();
    }
    return statement.getClass().getSimpleName().replace("Statement", "").toUpperCase(Locale.ROOT);
  }

  // ---- rule 6

  private static List<String> whereFindings(Statement statement, AstScan scan) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<String> findings = new ArrayList<>();
    List<Update> updates = new ArrayList<>();
    List<Delete> deletes = new ArrayList<>();
    if (statement instanceof Update update) {
      updates.add(update);
    }
    if (statement instanceof Delete delete) {
      deletes.add(delete);
    }
    updates.addAll(scan.updates);
    deletes.addAll(scan.deletes);
    for (Update update : updates) {
      if (seen.add(update)) {
        String table = SqlNames.of(update.getTable());
        where(
            update.getWhere(),
            findings,
            Messages::updateWithoutWhere,
            Messages::updateWhereAlwaysTrue,
            table);
      }
    }
    for (Delete delete : deletes) {
      if (seen.add(delete)) {
        String table = deleteTargets(delete).stream().findFirst().orElse("");
        where(
            delete.getWhere(),
            findings,
            Messages::deleteWithoutWhere,
            Messages::deleteWhereAlwaysTrue,
            table);
      }
    }
    return findings;
  }

  private static void where(
      Expression where,
      List<String> findings,
      java.util.function.UnaryOperator<String> missing,
      java.util.function.UnaryOperator<String> alwaysTrue,
      String table) {
    if (where == null) {
      findings.add(missing.apply(table));
    } else if (WhereCheck.alwaysTrue(where)) {
      findings.add(alwaysTrue.apply(table));
    }
  }

  // ---- rule 7 and 8 on tokens

  /**
   * Write and lock keywords in text order: INSERT, UPDATE, DELETE, MERGE, SELECT INTO, FOR UPDATE,
   * FOR SHARE. Keywords that belong to an enclosing write (ON CONFLICT DO UPDATE, ON DUPLICATE KEY
   * UPDATE, MERGE ... THEN UPDATE, INSERT INTO) are not repeated.
   */
  static List<String> writeKeywords(List<Token> tokens) {
    Set<String> found = new LinkedHashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.kind() != Kind.WORD || after(tokens, i, 1, ".") || after(tokens, i, -1, ".")) {
        continue;
      }
      String word = t.text().toUpperCase(Locale.ROOT);
      String prev = word(tokens, i - 1);
      String prev2 = word(tokens, i - 2);
      String next = word(tokens, i + 1);
      String write =
          switch (word) {
            case "INSERT" -> prev.equals("THEN") ? null : "INSERT";
            case "DELETE" -> prev.equals("THEN") || prev.equals("ON") ? null : "DELETE";
            case "MERGE" -> next.equals("INTO") ? "MERGE" : null;
            case "REPLACE" -> next.equals("INTO") ? "INSERT" : null;
            case "UPDATE" -> {
              if (prev.equals("FOR") || (prev.equals("KEY") && prev2.equals("NO"))) {
                yield "FOR UPDATE";
              }
              yield Set.of("KEY", "DO", "THEN", "ON").contains(prev) ? null : "UPDATE";
            }
            case "SHARE" -> {
              boolean lock =
                  prev.equals("FOR")
                      || (prev.equals("KEY") && prev2.equals("FOR"))
                      || (prev.equals("IN") && prev2.equals("LOCK"));
              yield lock ? "FOR SHARE" : null;
            }
            case "INTO" -> {
              boolean ofWrite = false;
              for (int k = Math.max(0, i - 4); k < i; k++) {
                String w = word(tokens, k);
                ofWrite |= w.equals("INSERT") || w.equals("MERGE") || w.equals("REPLACE");
              }
              yield ofWrite ? null : "SELECT INTO";
            }
            default -> null;
          };
      if (write != null) {
        found.add(write);
      }
    }
    return List.copyOf(found);
  }

  /** Data changes besides the statement itself, e.g. a DELETE in the WITH clause of an INSERT. */
  private static List<String> nestedWrites(
      StatementType type, List<String> writeWords, AstScan scan) {
    List<String> nested = new ArrayList<>();
    boolean topSkipped = false;
    for (String word : writeWords) {
      if (!topSkipped && word.equals(type.name())) {
        topSkipped = true;
      } else if (CHANGES.stream().anyMatch(c -> c.name().equals(word))) {
        nested.add(word);
      }
    }
    if (nested.isEmpty() && scan.writeStatements > 1) {
      scan.writes.stream()
          .filter(w -> !w.equals(type.name()) && CHANGES.stream().anyMatch(c -> c.name().equals(w)))
          .forEach(nested::add);
      if (nested.isEmpty()) {
        nested.add(type.name());
      }
    }
    return nested.stream().distinct().toList();
  }

  // ---- rule 10 on tokens

  /** Forbidden function names directly followed by "(", in text order. */
  private static List<String> calledFunctions(List<Token> tokens, List<String> tableNames) {
    Set<String> tableLastParts = new LinkedHashSet<>();
    for (String table : tableNames) {
      String name = SqlNames.unquote(table);
      tableLastParts.add(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT));
    }
    List<String> found = new ArrayList<>();
    for (int i = 0; i + 1 < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (!t.isName() || tokens.get(i + 1).kind() != Kind.LPAREN) {
        continue;
      }
      String name = t.text().toLowerCase(Locale.ROOT);
      if (!FORBIDDEN_FUNCTIONS.contains(name)) {
        continue;
      }
      int before = i - 1;
      while (before >= 1 && tokens.get(before).kind() == Kind.DOT) {
        before -= 2;
      }
      boolean notACall =
          NOT_A_CALL_AFTER.contains(word(tokens, before)) || tableLastParts.contains(name);
      if (!notACall && !found.contains(name)) {
        found.add(name);
      }
    }
    return found;
  }

  // ---- binds and tables

  private static List<String> binds(List<Token> tokens) {
    Set<String> names = new LinkedHashSet<>();
    for (Token token : tokens) {
      if (token.kind() == Kind.NAMED_PARAM) {
        names.add(token.text());
      }
    }
    return List.copyOf(names);
  }

  private static List<String> writtenTables(Statement statement) {
    List<String> tables = new ArrayList<>();
    switch (statement) {
      case Insert insert -> tables.add(SqlNames.of(insert.getTable()));
      case Upsert upsert -> tables.add(SqlNames.of(upsert.getTable()));
      case Update update -> {
        tables.add(SqlNames.of(update.getTable()));
        if (update.getStartJoins() != null) {
          for (Join join : update.getStartJoins()) {
            if (join.getRightItem() instanceof Table table) {
              tables.add(SqlNames.of(table));
            }
          }
        }
      }
      case Delete delete -> tables.addAll(deleteTargets(delete));
      case Merge merge -> tables.add(SqlNames.of(merge.getTable()));
      default -> {}
    }
    return distinctNames(tables);
  }

  private static List<String> deleteTargets(Delete delete) {
    List<String> tables = new ArrayList<>();
    if (delete.getTables() != null && !delete.getTables().isEmpty()) {
      delete.getTables().forEach(t -> tables.add(SqlNames.of(t)));
    } else if (delete.getTable() != null) {
      tables.add(SqlNames.of(delete.getTable()));
    }
    return tables;
  }

  private static List<String> distinctNames(List<String> names) {
    Set<String> out = new LinkedHashSet<>();
    for (String name : names) {
      String unquoted = SqlNames.unquote(name);
      if (!unquoted.isEmpty()) {
        out.add(unquoted);
      }
    }
    return List.copyOf(out);
  }

  // ---- token helpers

  private static String word(List<Token> tokens, int i) {
    if (i < 0 || i >= tokens.size() || tokens.get(i).kind() != Kind.WORD) {
      return "";
    }
    return tokens.get(i).text().toUpperCase(Locale.ROOT);
  }

  private static boolean after(List<Token> tokens, int i, int offset, String text) {
    int j = i + offset;
    return j >= 0
        && j < tokens.size()
        && tokens.get(j).text().equals(text)
        && tokens.get(j).kind() == Kind.DOT;
  }
}
