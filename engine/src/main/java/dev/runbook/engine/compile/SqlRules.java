package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.expr.Expression;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.spec.ParamSpec;
import dev.runbook.engine.spec.ParamType;
import dev.runbook.engine.spec.RunbookSpec;
import dev.runbook.engine.spec.StepSpec;
import dev.runbook.engine.sql.SqlAnalysis;
import dev.runbook.engine.sql.SqlFinding;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.steps.SqlInput;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepTypes;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks SQL written in a runbook with the guards, and that SQL never has values spliced in: it is
 * literal text with {@code :name} binds, or exactly one {@code sql} param of the right kind.
 */
final class SqlRules {
  private final RunbookSpec spec;
  private final TemplateIndex templates;
  private final Reporter reporter;

  SqlRules(RunbookSpec spec, TemplateIndex templates, Reporter reporter) {
    this.spec = spec;
    this.templates = templates;
    this.reporter = reporter;
  }

  void check() {
    List<StepSpec> all = spec.allSteps();
    for (StepSpec step : all) {
      Optional<StepType> type = Optional.ofNullable(step.uses()).flatMap(StepTypes::find);
      if (type.isEmpty()) {
        continue;
      }
      for (SqlInput declared : type.get().sqlInputs()) {
        SqlInput input = declared.as(step.with());
        JsonNode node = step.with().at(input.pointer());
        String pointer = step.at("/with" + input.pointer());
        if (node.isArray()) {
          for (int i = 0; i < node.size(); i++) {
            checkOne(node.get(i), pointer + "/" + i, input, step);
          }
        } else {
          checkOne(node, pointer, input, step);
        }
      }
      String condition = CONDITIONS.get(step.uses());
      if (condition != null) {
        checkCondition(step.at("/with" + condition));
      }
    }
  }

  /**
   * SQL conditions (a part of a statement, not a whole one) that a step type takes: literal text
   * with {@code :name} binds, which the worker's guards check inside the statement it builds.
   */
  private static final Map<String, String> CONDITIONS = Map.of("sql.backup", "/where");

  private void checkCondition(String pointer) {
    Template template = templates.at(pointer);
    if (template != null && !template.expressions().isEmpty()) {
      reporter.inside(
          Category.SQL,
          pointer,
          template.expressions().get(0).offset(),
          "expression spliced into SQL text: write :name in the SQL and pass the value in bind");
    }
  }

  private void checkOne(JsonNode node, String pointer, SqlInput input, StepSpec step) {
    if (!node.isTextual() || node.asText().isEmpty()) {
      return; // missing, mistyped or empty: the schema reports it
    }
    Template template = templates.at(pointer);
    if (template == null) {
      SqlAnalysis analysis = SqlGuard.analyze(node.asText(), input.context());
      for (SqlFinding finding : analysis.findings()) {
        reporter.value(Category.SQL, pointer, finding.message());
      }
      if (analysis.ok()) {
        checkBinds(analysis.bindNames(), step, input, pointer);
      }
      return;
    }
    if (template instanceof Template.Single single) {
      checkWholeParam(single.expression(), pointer, input);
      return;
    }
    Expression first = template.expressions().get(0);
    reporter.inside(
        Category.SQL,
        pointer,
        first.offset(),
        "expression spliced into SQL text: write :name in the SQL and pass the value in bind");
  }

  private void checkWholeParam(Expression expression, String pointer, SqlInput input) {
    String name = Scopes.wholeParam(expression);
    if (name == null) {
      reporter.inside(
          Category.SQL,
          pointer,
          expression.offset(),
          "SQL must be written in the runbook or come whole from a sql param; pass values as"
              + " :name bind parameters");
      return;
    }
    ParamSpec param = spec.params().get(name);
    if (param == null || param.type() == null) {
      return; // unknown params are reported by the reference rules
    }
    String needed =
        switch (input.context()) {
          case CHANGE -> "dml";
          case MIGRATION -> "migration";
          case QUERY -> "select";
        };
    if (param.type() != ParamType.SQL) {
      reporter.inside(
          Category.SQL,
          pointer,
          expression.offset(),
          "param '"
              + param.name()
              + "' is of type "
              + param.type().label()
              + "; SQL comes from a param of type sql, kind "
              + needed);
    } else if (!needed.equals(param.sqlKind())) {
      reporter.inside(
          Category.SQL,
          pointer,
          expression.offset(),
          "param '"
              + param.name()
              + "' is sql of kind "
              + (param.sqlKind() == null ? "(none)" : param.sqlKind())
              + "; this place needs kind "
              + needed);
    }
  }

  /** With a literal bind map, every :name must have a value there. */
  private void checkBinds(List<String> names, StepSpec step, SqlInput input, String pointer) {
    if (names.isEmpty()) {
      return;
    }
    if (input.bindPointer() == null) {
      for (String name : names) {
        reporter.value(Category.SQL, pointer, ":" + name + ": this statement takes no bind values");
      }
      return;
    }
    JsonNode bind = step.with().at(input.bindPointer());
    if (bind.isTextual()) {
      return; // a map param, checked when the plan is compiled
    }
    for (String name : names) {
      if (!bind.isObject() || !bind.has(name)) {
        reporter.value(
            Category.SQL,
            pointer,
            ":" + name + " has no value in " + input.bindPointer().substring(1).replace('/', '.'));
      }
    }
  }
}
