package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.compile.Fixtures;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.spec.ParamType;
import dev.runbook.engine.workflow.PlannedInputs;
import dev.runbook.worker.sql.SqlServers.Db;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small runbook taking one param {@code v} of a given type into SQL steps, compiled by the real
 * {@link PlanCompiler} for {@code local} (the test servers) from {@code -p} text as {@code runbook
 * run} reads it, with each step's inputs resolved as the interpreter resolves them.
 */
final class InjectionRunbook {
  private InjectionRunbook() {}

  /** A compiled plan, or the diagnostics that refused it. */
  record Compiled(Plan plan, List<String> problems) {
    boolean refused() {
      return plan == null;
    }

    JsonNode value() {
      return plan.params().get("v");
    }

    /** The inputs of step {@code id} as the interpreter would send them to the activity. */
    JsonNode with(String id) {
      Stage stage = plan.stages().get(0);
      for (Step step : stage.steps()) {
        if (step instanceof ActivityStep a && a.id().equals(id)) {
          try {
            return PlannedInputs.resolve(plan, stage, a.with());
          } catch (ExpressionException e) {
            throw new IllegalStateException(e);
          }
        }
      }
      throw new IllegalArgumentException("no step " + id);
    }
  }

  static Compiled compile(String runbook, Db db, String value) {
    Map<String, String> launch = new LinkedHashMap<>();
    launch.put("database", db.name());
    launch.put("v", value);
    // validation first, as `runbook run` does: SQL rules (splicing, guards) are checked there
    Validation<ValidatedRunbook> valid =
        RunbookValidator.validate(Fixtures.load("runbook.yaml", runbook));
    if (valid.value().isEmpty() || !valid.diagnostics().isEmpty()) {
      assertFalse(valid.diagnostics().isEmpty(), "refused without a diagnostic");
      return new Compiled(null, valid.diagnostics().stream().map(Diagnostic::format).toList());
    }
    PlanCompiler.Result result =
        PlanCompiler.compile(valid.value().get(), environments(), "local", launch);
    List<String> problems = result.diagnostics().stream().map(Diagnostic::format).toList();
    if (result.plan().isPresent()) {
      assertEquals(List.of(), problems);
      return new Compiled(result.plan().get(), List.of());
    }
    return new Compiled(null, problems);
  }

  /**
   * The runbook of {@code type}: {@code write} (sql.change), {@code read} (sql.query), {@code out}
   * (sql.export) and {@code keep} (sql.backup), each on row 1 of {@code table} through {@code
   * column = :v}. A map param is the whole bind map ({@code :v} and {@code :id}); an identifier
   * param also names the table {@code keep} backs up; a duration param is also {@code read}'s
   * statement timeout; a sql param (kind dml) is {@code write}'s statement itself.
   */
  static String of(ParamType type, String table, String column) {
    String declared =
        type == ParamType.SQL ? "{ type: sql, kind: dml }" : "{ type: " + type.label() + " }";
    String bind = type == ParamType.MAP ? "\"${{ params.v }}\"" : "{ v: \"${{ params.v }}\" }";
    String where = type == ParamType.MAP ? column + " = :v AND id = :id" : column + " = :v";
    String statement =
        type == ParamType.SQL
            ? "\"${{ params.v }}\""
            : "\"UPDATE " + table + " SET " + column + " = :v WHERE " + idClause(type) + "\"";
    String text =
        """
        apiVersion: runbook/v1
        kind: Runbook
        metadata: { name: inject, version: 1 }
        params:
          database: { type: string, required: true }
          v: %s
        environments: [local]
        steps:
          - id: write
            uses: sql.change
            with:
              database: "${{ params.database }}"
              statements: [%s]
              bind: %s
              expectRows: 1
        """
            .formatted(declared, statement, type == ParamType.SQL ? "{}" : bind);
    if (type == ParamType.SQL) {
      return text; // the statement is the payload: the test reads the table itself
    }
    String query = "SELECT id FROM " + table + " WHERE " + where + " ORDER BY id";
    return text
        + """
          - id: read
            uses: sql.query
            with:
              database: "${{ params.database }}"
              query: "%s"
              bind: %s%s
          - id: out
            uses: sql.export
            with:
              database: "${{ params.database }}"
              query: "%s"
              bind: %s
              path: "inject/%s.csv"
          - id: keep
            uses: sql.backup
            with:
              database: "${{ params.database }}"
              table: %s
              where: "%s"
              bind: %s
        """
            .formatted(
                query,
                bind,
                type == ParamType.DURATION ? "\n      statementTimeout: \"${{ params.v }}\"" : "",
                query,
                bind,
                table,
                type == ParamType.IDENTIFIER ? "\"${{ params.v }}\"" : table,
                where,
                bind);
  }

  private static String idClause(ParamType type) {
    return type == ParamType.MAP ? "id = :id" : "id = 1";
  }

  /** SqlServers' {@code local}: the environment its JDBC activities run on. */
  private static Map<String, ValidatedEnvironment> environments() {
    return Map.of("local", SqlServers.environment());
  }
}
