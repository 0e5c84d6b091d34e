package dev.runbook.engine.expr;

import java.util.List;
import java.util.Map;
import org.apache.commons.jexl3.JexlException;

/** Turns a JEXL evaluation failure into a one-line message without JEXL or Java internals. */
final class Failures {
  private Failures() {}

  static String describe(Expression expression, Map<String, ?> scope, JexlException failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EvaluationFailure reason) {
        return Messages.cannotEvaluate(expression.source(), reason.getMessage());
      }
      if (t instanceof JexlException.StackOverflow || t instanceof StackOverflowError) {
        return Messages.TOO_COMPLEX;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (failure instanceof JexlException.Variable || failure instanceof JexlException.Property) {
      for (List<String> path : expression.references()) {
        String problem = unresolved(expression, scope, path);
        if (problem != null) {
          return problem;
        }
      }
      return Messages.cannotEvaluate(expression.source(), "unknown reference");
    }
    return Messages.cannotEvaluate(expression.source(), "evaluation failed");
  }

  /** Walks {@code path} through {@code scope} like the sandbox does; null when it resolves. */
  private static String unresolved(Expression expression, Map<String, ?> scope, List<String> path) {
    Object current = scope;
    for (int i = 0; i < path.size(); i++) {
      String segment = path.get(i);
      if (current instanceof Map<?, ?> map && map.containsKey(segment)) {
        current = map.get(segment);
      } else if (current instanceof List<?> list
          && ScopeUberspect.listIndex(segment) >= 0
          && ScopeUberspect.listIndex(segment) < list.size()) {
        current = list.get(ScopeUberspect.listIndex(segment));
      } else if (current == null) {
        return Messages.cannotEvaluate(
            expression.source(), String.join(".", path.subList(0, i)) + " is null");
      } else {
        return Messages.unknownReference(String.join(".", path.subList(0, i + 1)));
      }
    }
    return null;
  }
}
