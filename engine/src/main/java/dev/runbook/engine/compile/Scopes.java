package dev.runbook.engine.compile;

import dev.runbook.engine.expr.Expression;
import java.util.List;
import java.util.Set;

/** The names expressions may read, and which of them are known when a plan is compiled. */
final class Scopes {
  static final String PARAMS = "params";
  static final String ENV = "env";
  static final String RUN = "run";
  static final String STEPS = "steps";

  /** Known at compile time: the expression is resolved into the plan. */
  static final Set<String> COMPILE_TIME = Set.of(PARAMS, ENV);

  static final Set<String> ENV_FIELDS =
      Set.of("name", "provider", "rehearsal", "region", "taskQueue", "databases", "access");

  static final Set<String> RUN_FIELDS =
      Set.of("id", "launcher", "status", "environment", "runbook", "version", "planHash", "ticket");

  /** What a step reference may read after {@code steps.<id>.}. */
  static final Set<String> STEP_FIELDS = Set.of("outputs", "status");

  private Scopes() {}

  /** The param's name when the expression is exactly {@code params.<name>}, else null. */
  static String wholeParam(Expression expression) {
    List<List<String>> refs = expression.references();
    if (refs.size() == 1
        && refs.get(0).size() == 2
        && refs.get(0).get(0).equals(PARAMS)
        && expression.source().replace(" ", "").equals(PARAMS + "." + refs.get(0).get(1))) {
      return refs.get(0).get(1);
    }
    return null;
  }
}
