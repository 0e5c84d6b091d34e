package dev.runbook.engine.expr;

import java.util.Map;
import org.apache.commons.jexl3.JexlContext;

/** Read-only JEXL view of the root variables. */
record ScopeContext(Map<String, ?> scope) implements JexlContext {
  @Override
  public Object get(String name) {
    return scope.get(name);
  }

  @Override
  public boolean has(String name) {
    return scope.containsKey(name);
  }

  @Override
  public void set(String name, Object value) {
    throw new UnsupportedOperationException("expressions are read-only");
  }
}
