package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.diag.Suggestions;
import dev.runbook.engine.plan.Gate;
import dev.runbook.engine.plan.NoticeEvent;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.plan.RunbookRef;
import dev.runbook.engine.plan.Stage;
import dev.runbook.engine.plan.Step;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.spec.RunbookSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code compile(runbook, environments, target, params) -> Plan}. Pure: no IO, clock, randomness or
 * environment variables; the same inputs give the same plan and hash, byte for byte.
 */
public final class PlanCompiler {
  private PlanCompiler() {}

  /** A plan when {@code diagnostics} is empty. */
  public record Result(Optional<Plan> plan, List<Diagnostic> diagnostics) {
    public Result {
      diagnostics = List.copyOf(diagnostics);
    }
  }

  /**
   * @param environments every environment known, by name
   * @param target the environment asked for; earlier environments of the runbook run first
   * @param launchParams {@code -p name=value} pairs as typed
   */
  public static Result compile(
      ValidatedRunbook runbook,
      Map<String, ValidatedEnvironment> environments,
      String target,
      Map<String, String> launchParams) {
    RunbookSpec spec = runbook.spec();
    Diagnostics diagnostics = new Diagnostics();
    List<EnvironmentSpec> stages = stagesFor(spec, environments, target, diagnostics);
    Map<String, JsonNode> params = ParamBinder.bind(spec, launchParams, diagnostics);
    if (!diagnostics.isEmpty()) {
      return new Result(Optional.empty(), diagnostics.sorted());
    }
    Reporter reporter = new Reporter(spec.source(), diagnostics);
    TemplateIndex templates =
        TemplateIndex.of(spec.source().tree(), new Reporter(spec.source(), new Diagnostics()));
    List<Stage> compiled = new ArrayList<>();
    EnvironmentSpec previous = null;
    for (EnvironmentSpec env : stages) {
      StageCompiler stage = new StageCompiler(spec, env, params, templates, reporter);
      Gate gate = previous == null ? null : stage.promoteGate();
      compiled.add(
          new Stage(
              env.name(),
              env.taskQueue(),
              env.rehearsal(),
              withNotices(facts(env), spec, env),
              gate,
              stage.steps(spec.steps())));
      previous = env;
    }
    EnvironmentSpec last = stages.get(stages.size() - 1);
    List<Step> finallySteps =
        new StageCompiler(spec, last, params, templates, reporter).steps(spec.finallySteps());
    if (!diagnostics.isEmpty()) {
      return new Result(Optional.empty(), diagnostics.sorted());
    }
    Plan plan =
        new Plan(
            Plan.FORMAT,
            new RunbookRef(
                spec.name(),
                spec.version(),
                spec.source().sha256(),
                spec.description() == null ? "" : spec.description(),
                spec.owners()),
            target,
            params,
            compiled,
            finallySteps,
            "");
    return new Result(Optional.of(PlanJson.withHash(plan)), List.of());
  }

  /**
   * The environments to run, in order: the runbook's list up to the target, or the target alone
   * when it is a rehearsal environment (such as {@code local}).
   */
  private static List<EnvironmentSpec> stagesFor(
      RunbookSpec spec,
      Map<String, ValidatedEnvironment> environments,
      String target,
      Diagnostics diagnostics) {
    ValidatedEnvironment chosen = environments.get(target);
    if (chosen == null) {
      diagnostics.add(
          flag(
              spec,
              "--env",
              "no environment '"
                  + target
                  + "'"
                  + Suggestions.didYouMean(target, environments.keySet())
                  + "; known: "
                  + String.join(", ", new TreeSet<>(environments.keySet()))));
      return List.of();
    }
    if (chosen.spec().rehearsal() && !spec.environments().contains(target)) {
      return List.of(chosen.spec());
    }
    if (spec.independentEnvironments() && spec.environments().contains(target)) {
      return List.of(chosen.spec());
    }
    int index = spec.environments().indexOf(target);
    if (index < 0) {
      diagnostics.add(
          flag(
              spec,
              "--env",
              "runbook '"
                  + spec.name()
                  + "' does not run in '"
                  + target
                  + "'; it lists: "
                  + String.join(", ", spec.environments())));
      return List.of();
    }
    List<EnvironmentSpec> out = new ArrayList<>();
    for (String name : spec.environments().subList(0, index + 1)) {
      ValidatedEnvironment env = environments.get(name);
      if (env == null) {
        diagnostics.add(
            flag(
                spec,
                "--env",
                "'"
                    + target
                    + "' runs after '"
                    + name
                    + "', but there is no environment file for '"
                    + name
                    + "'"));
      } else {
        out.add(env.spec());
      }
    }
    return out;
  }

  static Diagnostic flag(RunbookSpec spec, String flag, String message) {
    return new Diagnostic(spec.file(), 0, 0, Category.PARAM, flag, message);
  }

  /** The facts {@code env.*} expressions read. Secrets are never among them. */
  static ObjectNode facts(EnvironmentSpec env) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode facts = nodes.objectNode();
    facts.put("name", env.name());
    facts.put("provider", env.provider());
    facts.put("rehearsal", env.rehearsal());
    facts.put("region", env.region());
    facts.put("taskQueue", env.taskQueue());
    ObjectNode databases = facts.putObject("databases");
    for (Map.Entry<String, JsonNode> db : env.databases().entrySet()) {
      ObjectNode out = databases.putObject(db.getKey());
      for (String field : List.of("engine", "endpoint", "port", "database", "via", "localPort")) {
        JsonNode value = db.getValue().get(field);
        if (value != null) {
          out.set(field, value.deepCopy());
        }
      }
    }
    JsonNode access = env.source().tree().path("access");
    if (access
        .isObject()) { // only when declared: plans of environments without one keep their hash
      facts.set("access", AccessPolicy.facts(access));
    }
    return facts;
  }

  /**
   * Adds the automatic notices the stage sends ({@link NoticeEvent#FACT}): the environment's {@code
   * notifications.events} (every event when it has {@code notifications} without a list), narrowed
   * by the runbook's {@code notifications.events}. Only for environments that declare {@code
   * notifications}: the others send none, and their plans keep their hash.
   */
  static ObjectNode withNotices(ObjectNode facts, RunbookSpec spec, EnvironmentSpec env) {
    JsonNode declared = env.source().tree().path("notifications");
    if (!declared.isObject()) {
      return facts;
    }
    List<String> events = events(declared.path("events"));
    List<String> narrowed = events(spec.source().tree().path("notifications").path("events"));
    var list = facts.putArray(NoticeEvent.FACT);
    events.stream().filter(narrowed::contains).forEach(list::add);
    return facts;
  }

  /** The events a list names, in the order of {@link NoticeEvent}; all when there is no list. */
  private static List<String> events(JsonNode list) {
    if (!list.isArray()) {
      return NoticeEvent.ids();
    }
    List<String> named = new ArrayList<>();
    list.forEach(e -> named.add(e.asText()));
    return NoticeEvent.ids().stream().filter(named::contains).toList();
  }

  static Map<String, Object> scope(Map<String, JsonNode> params, EnvironmentSpec env) {
    Map<String, Object> plainParams = new LinkedHashMap<>();
    params.forEach((k, v) -> plainParams.put(k, JsonValues.toPlain(v)));
    Map<String, Object> scope = new LinkedHashMap<>();
    scope.put(Scopes.PARAMS, plainParams);
    scope.put(Scopes.ENV, JsonValues.toPlain(facts(env)));
    return scope;
  }
}
