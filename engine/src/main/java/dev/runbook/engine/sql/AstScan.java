package dev.runbook.engine.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.execute.Execute;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.ForMode;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * One walk over a parsed statement with JSqlParser's table finder, which reaches into subqueries,
 * CTEs and expressions, noting on the way every write, lock, function call and {@code ?}. The
 * token-level checks in {@link SqlGuard} cover the same ground; this walk is the second net.
 */
final class AstScan extends TablesNamesFinder<Void> {

  final List<String> tables = new ArrayList<>();
  final Set<String> writes = new LinkedHashSet<>();
  final Set<String> functions = new LinkedHashSet<>();
  final List<Update> updates = new ArrayList<>();
  final List<Delete> deletes = new ArrayList<>();
  boolean positional;
  int writeStatements;

  static AstScan of(Statement statement) {
    AstScan scan = new AstScan();
    try {
      scan.tables.addAll(scan.getTableList(statement));
    } catch (RuntimeException unsupported) {
      // The finder does not support every statement (DDL mostly); what it saw is kept.
    }
    return scan;
  }

  @Override
  public <S> Void visit(Function function, S context) {
    noteFunction(function.getMultipartName());
    return super.visit(function, context);
  }

  @Override
  public <S> Void visit(AnalyticExpression expression, S context) {
    noteFunction(List.of(String.valueOf(expression.getName())));
    return super.visit(expression, context);
  }

  @Override
  public <S> Void visit(TableFunction tableFunction, S context) {
    if (tableFunction.getFunction() != null) {
      noteFunction(tableFunction.getFunction().getMultipartName());
    }
    return super.visit(tableFunction, context);
  }

  @Override
  public <S> Void visit(Execute execute, S context) {
    noteFunction(List.of(String.valueOf(execute.getName()).split("\\.")));
    return super.visit(execute, context);
  }

  @Override
  public <S> Void visit(JdbcParameter parameter, S context) {
    positional = true;
    return super.visit(parameter, context);
  }

  @Override
  public <S> Void visit(Insert insert, S context) {
    writes.add("INSERT");
    writeStatements++;
    return super.visit(insert, context);
  }

  @Override
  public <S> Void visit(Update update, S context) {
    writes.add("UPDATE");
    writeStatements++;
    updates.add(update);
    return super.visit(update, context);
  }

  @Override
  public <S> Void visit(Delete delete, S context) {
    writes.add("DELETE");
    writeStatements++;
    deletes.add(delete);
    return super.visit(delete, context);
  }

  @Override
  public <S> Void visit(Merge merge, S context) {
    writes.add("MERGE");
    writeStatements++;
    return super.visit(merge, context);
  }

  @Override
  public <S> Void visit(PlainSelect select, S context) {
    if ((select.getIntoTables() != null && !select.getIntoTables().isEmpty())
        || select.getMySqlSelectIntoClause() != null
        || select.getIntoTempTable() != null) {
      writes.add("SELECT INTO");
    }
    noteLock(select);
    return super.visit(select, context);
  }

  /** A lock taken by a SELECT: FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE. */
  void noteLock(Select select) {
    ForMode mode = select.getForMode();
    if (mode == ForMode.UPDATE || mode == ForMode.NO_KEY_UPDATE) {
      writes.add("FOR UPDATE");
    } else if (mode == ForMode.SHARE || mode == ForMode.KEY_SHARE) {
      writes.add("FOR SHARE");
    }
  }

  private void noteFunction(List<String> multipartName) {
    if (multipartName == null || multipartName.isEmpty()) {
      return;
    }
    String name = SqlNames.unquote(multipartName.getLast()).toLowerCase(Locale.ROOT);
    if (SqlGuard.FORBIDDEN_FUNCTIONS.contains(name)) {
      functions.add(name);
    }
  }
}
