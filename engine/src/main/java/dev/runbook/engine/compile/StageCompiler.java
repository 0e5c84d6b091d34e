package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.expr.ExpressionException;
import dev.runbook.engine.expr.Template;
import dev.runbook.engine.plan.ActivityStep;
import dev.runbook.engine.plan.ApprovalPolicy;
import dev.runbook.engine.plan.ApprovalStep;
import dev.runbook.engine.plan.AssertStep;
import dev.runbook.engine.plan.Compensation;
import dev.runbook.engine.plan.Gate;
import dev.runbook.engine.plan.LeaseStep;
import dev.runbook.engine.plan.RetryPolicy;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.plan.WaitStep;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.spec.RunbookSpec;
import dev.runbook.engine.spec.StepSpec;
import dev.runbook.engine.sql.SqlGuard;
import dev.runbook.engine.steps.AutoUndo;
import dev.runbook.engine.steps.SqlInput;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepTypes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Compiles the steps of one environment: resolves inputs and checks them against its facts. */
final class StageCompiler {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);

  private final RunbookSpec spec;
  private final EnvironmentSpec env;
  private final ValueResolver resolver;
  private final Reporter reporter;

  StageCompiler(
      RunbookSpec spec,
      EnvironmentSpec env,
      Map<String, JsonNode> params,
      TemplateIndex templates,
      Reporter reporter) {
    this.spec = spec;
    this.env = env;
    this.reporter = reporter;
    this.resolver = new ValueResolver(PlanCompiler.scope(params, env), templates, reporter);
  }

  Gate promoteGate() {
    return new Gate("promote", policy(spec.promote(), "/gates/promote"));
  }

  List<Step> steps(List<StepSpec> specs) {
    List<Step> out = new ArrayList<>();
    for (StepSpec step : specs) {
      out.add(step(step));
    }
    return out;
  }

  private Step step(StepSpec step) {
    StepType type = StepTypes.find(step.uses()).orElseThrow();
    JsonNode with = resolver.resolve(step.with(), step.at("/with"));
    JsonNode when = when(step);
    String name = name(step, type, with);
    checkAgainstEnvironment(step, type, with);
    return switch (type.execution()) {
      case ACTIVITY ->
          new ActivityStep(
              step.id(),
              name,
              type.name(),
              when,
              timeout(step, type),
              retry(step.retry(), type),
              with,
              step.approval() == null ? null : policy(step.approval(), step.at("/approval")),
              compensation(step, type));
      case APPROVAL ->
          new ApprovalStep(
              step.id(), name, when, policy(with, step.at("/with")), texts(with.path("shows")));
      case TIMER ->
          new WaitStep(
              step.id(), name, when, duration(with.path("duration"), step.at("/with/duration")));
      case LEASE -> {
        Duration ttl = duration(with.path("ttl"), step.at("/with/ttl"));
        Duration max =
            with.has("maxTtl") ? duration(with.path("maxTtl"), step.at("/with/maxTtl")) : ttl;
        Duration heartbeat =
            with.has("heartbeatTimeout")
                ? duration(with.path("heartbeatTimeout"), step.at("/with/heartbeatTimeout"))
                : LeaseStep.DEFAULT_HEARTBEAT_TIMEOUT;
        if (ttl.compareTo(max) > 0) {
          reporter.value(
              Category.SEMANTIC,
              step.at("/with/ttl"),
              "the lease ttl "
                  + ParamValues.show(with.path("ttl"))
                  + " is longer than its maxTtl "
                  + ParamValues.show(with.path("maxTtl")));
        }
        yield new LeaseStep(step.id(), name, when, ttl, max, heartbeat);
      }
      case ASSERT ->
          new AssertStep(
              step.id(), name, when, with.path("that").deepCopy(), with.path("message").asText(""));
    };
  }

  private JsonNode when(StepSpec step) {
    if (step.when() == null) {
      return BooleanNode.TRUE;
    }
    JsonNode when = resolver.resolve(step.when(), step.at("/when"));
    if (when.isBoolean() || (when.isTextual() && when.asText().contains("${{"))) {
      return when;
    }
    reporter.value(
        Category.EXPRESSION,
        step.at("/when"),
        "when must be true or false, got " + ParamValues.show(when));
    return BooleanNode.FALSE;
  }

  private String name(StepSpec step, StepType type, JsonNode with) {
    if (step.name() != null) {
      JsonNode resolved = resolver.resolve(NODES.textNode(step.name()), step.at("/name"));
      return resolved.asText();
    }
    JsonNode database = with.get("database");
    if (database != null && database.isTextual()) {
      return type.name() + " on " + database.asText();
    }
    return type.name();
  }

  private Duration timeout(StepSpec step, StepType type) {
    if (step.timeout() != null) {
      return Durations.parse(step.timeout()).orElse(type.defaultTimeout());
    }
    return type.defaultTimeout();
  }

  /** An external program may not be safe to run twice: {@code exec} retries only when told. */
  private RetryPolicy retry(JsonNode retry, StepType type) {
    if ((retry == null || !retry.isObject()) && type.name().equals("exec")) {
      RetryPolicy d = RetryPolicy.DEFAULT;
      return new RetryPolicy(1, d.initialInterval(), d.backoff(), d.maxInterval());
    }
    return retry(retry);
  }

  private RetryPolicy retry(JsonNode retry) {
    RetryPolicy d = RetryPolicy.DEFAULT;
    if (retry == null || !retry.isObject()) {
      return d;
    }
    return new RetryPolicy(
        retry.path("maxAttempts").asInt(d.maxAttempts()),
        Durations.parse(retry.path("initialInterval").asText(null)).orElse(d.initialInterval()),
        retry.path("backoff").isNumber() ? retry.get("backoff").asDouble() : d.backoff(),
        Durations.parse(retry.path("maxInterval").asText(null)).orElse(d.maxInterval()));
  }

  private Compensation compensation(StepSpec step, StepType type) {
    JsonNode explicit = step.compensate();
    if (explicit != null && explicit.isObject()) {
      StepType undo = StepTypes.find(explicit.path("uses").asText()).orElseThrow();
      String timeout = explicit.path("timeout").asText(null);
      return new Compensation(
          undo.name(),
          resolver.resolve(explicit.path("with"), step.at("/compensate/with")),
          Durations.parse(timeout).orElse(undo.defaultTimeout()),
          retry(explicit.get("retry")),
          false);
    }
    if (type.compensation().isEmpty()) {
      return null;
    }
    AutoUndo auto = type.compensation().get();
    ObjectNode with = NODES.objectNode();
    auto.inputsFromOutputs().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                with.put(
                    e.getKey(), "${{ steps." + step.id() + ".outputs." + e.getValue() + " }}"));
    StepType undo = StepTypes.find(auto.uses()).orElseThrow();
    return new Compensation(undo.name(), with, undo.defaultTimeout(), RetryPolicy.DEFAULT, true);
  }

  private ApprovalPolicy policy(JsonNode node, String pointer) {
    JsonNode resolved = resolver.resolve(node, pointer);
    JsonNode approvers = resolved.path("approvers");
    String group = approvers.path("group").isTextual() ? approvers.get("group").asText() : null;
    List<String> users;
    if (group != null) {
      List<String> members = env.teams().get(group);
      if (members == null) {
        reporter.value(
            Category.SEMANTIC,
            pointer + "/approvers/group",
            "team '"
                + group
                + "' is not defined in environment "
                + env.name()
                + " ("
                + env.file()
                + ")");
        members = List.of();
      }
      users = members;
    } else {
      users = texts(approvers.path("users"));
    }
    users = users.stream().distinct().sorted().toList();
    int min = resolved.path("min").asInt(1);
    if (min > users.size() && !users.isEmpty()) {
      reporter.value(
          Category.SEMANTIC,
          pointer + "/min",
          "min is "
              + min
              + " but only "
              + users.size()
              + " approver(s) can approve in "
              + env.name());
    }
    String onTimeout = resolved.path("onTimeout").asText("fail");
    return new ApprovalPolicy(
        group,
        users,
        min,
        Durations.parse(resolved.path("timeout").asText(null)).orElse(DEFAULT_APPROVAL_TIMEOUT),
        onTimeout.equals("reject")
            ? ApprovalPolicy.TimeoutOutcome.REJECT
            : ApprovalPolicy.TimeoutOutcome.FAIL,
        env.allowSelfApproval(),
        resolved.path("message").asText(""));
  }

  private Duration duration(JsonNode value, String pointer) {
    return Durations.parse(value.asText(null))
        .orElseGet(
            () -> {
              reporter.value(
                  Category.SEMANTIC,
                  pointer,
                  "expected a duration such as 90s, 15m or 4h, got " + ParamValues.show(value));
              return Duration.ZERO;
            });
  }

  /** Checks that need the environment: databases exist, restores land on new ids, binds. */
  private void checkAgainstEnvironment(StepSpec step, StepType type, JsonNode with) {
    JsonNode database = with.get("database");
    if (database != null && database.isTextual() && !database.asText().contains("${{")) {
      if (!env.databases().containsKey(database.asText())) {
        reporter.value(
            Category.SEMANTIC,
            step.at("/with/database"),
            "database '"
                + database.asText()
                + "' is not defined in environment "
                + env.name()
                + "; it has: "
                + String.join(", ", env.databases().keySet()));
      }
    }
    if (type.name().equals("aws.rds.restore-pitr")) {
      String target = with.path("target").asText("");
      String source = with.path("source").asText("");
      boolean existing =
          env.rdsIdentifiers().stream().anyMatch(id -> id.equalsIgnoreCase(target))
              || env.databases().containsKey(target);
      if (!target.contains("${{") && (target.equalsIgnoreCase(source) || existing)) {
        reporter.value(
            Category.SEMANTIC,
            step.at("/with/target"),
            "restore target '"
                + target
                + "' is an existing database of "
                + env.name()
                + ": a point-in-time restore must create a NEW instance");
      }
    }
    for (SqlInput input : type.sqlInputs()) {
      checkBinds(step, with, input);
    }
    if (type.name().equals("exec")) {
      List<String> argv = new ArrayList<>();
      with.path("command").forEach(item -> argv.add(item.asText()));
      ExecAllowlist.of(env.source().tree())
          .refusal(argv, env.name())
          .ifPresent(why -> reporter.value(Category.SEMANTIC, step.at("/with/command"), why));
    }
  }

  private void checkBinds(StepSpec step, JsonNode with, SqlInput input) {
    JsonNode bind =
        input.bindPointer() == null
            ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
            : with.at(input.bindPointer());
    if (bind.isTextual()) {
      return; // resolved when the step runs
    }
    JsonNode sql = with.at(input.pointer());
    List<JsonNode> statements = new ArrayList<>();
    if (sql.isArray()) {
      sql.forEach(statements::add);
    } else {
      statements.add(sql);
    }
    for (int i = 0; i < statements.size(); i++) {
      JsonNode statement = statements.get(i);
      if (!statement.isTextual() || statement.asText().contains("${{")) {
        continue;
      }
      String relative = input.pointer() + (sql.isArray() ? "/" + i : "");
      String pointer = step.at("/with" + relative);
      String sqlParam = wholeParam(step.with().at(relative));
      String bindParam =
          input.bindPointer() == null ? null : wholeParam(step.with().at(input.bindPointer()));
      String bindName =
          input.bindPointer() == null ? null : input.bindPointer().substring(1).replace('/', '.');
      for (String name : SqlGuard.analyze(statement.asText(), input.context()).bindNames()) {
        if (bind.isObject() && bind.has(name)) {
          continue;
        }
        if (bindName == null) { // a migration statement: DDL takes no bind parameters
          String message = ":" + name + ": this statement takes no bind values";
          if (sqlParam == null) {
            reporter.value(Category.SQL, pointer, message);
          } else {
            reporter.diagnostics().add(PlanCompiler.flag(spec, "-p " + sqlParam, message));
          }
          continue;
        }
        if (sqlParam == null && bindParam == null) {
          reporter.value(Category.SQL, pointer, ":" + name + " has no value in " + bindName);
        } else {
          // The SQL or its values came from the command line: name the flags, not a line.
          String flag = "-p " + (sqlParam != null ? sqlParam : bindParam);
          String message;
          if (sqlParam == null) {
            message = "no value for :" + name + ", which the SQL of step " + step.id() + " uses";
          } else if (bindParam != null) {
            message = ":" + name + " has no value in -p " + bindParam;
          } else {
            message = ":" + name + " has no value in with." + bindName + " of step " + step.id();
          }
          reporter.diagnostics().add(PlanCompiler.flag(spec, flag, message));
        }
      }
    }
  }

  /** The param name when the value is exactly {@code ${{ params.<name> }}}, else null. */
  private static String wholeParam(JsonNode original) {
    if (!original.isTextual()) {
      return null;
    }
    try {
      if (Template.parse(original.asText()) instanceof Template.Single single) {
        return Scopes.wholeParam(single.expression());
      }
    } catch (ExpressionException e) {
      return null; // reported by the validator
    }
    return null;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(item -> out.add(item.asText()));
    }
    return out;
  }
}
