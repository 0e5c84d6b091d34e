package dev.runbook.engine.expr;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.introspection.JexlPermissions;
import org.apache.commons.jexl3.introspection.JexlSandbox;

/**
 * The one JEXL engine that evaluates expressions, locked down in layers:
 *
 * <ol>
 *   <li>{@link Validator} rejects every construct outside the language before JEXL sees it;
 *   <li>{@link #FEATURES} makes JEXL's own parser refuse statements, side effects, calls, {@code
 *       new}, loops, lambdas, pragmas, annotations, namespaces and structured literals;
 *   <li>{@link ScopeUberspect} replaces introspection: only Map entries and List elements;
 *   <li>a deny-by-default {@link JexlSandbox} that lets through only reads on Map and List;
 *   <li>{@link #DENY_ALL} permissions, so even JEXL's default introspection would expose nothing;
 *   <li>{@link StrictArithmetic}, strict mode (unknown names and properties are errors), no antish
 *       variables, no namespaces, no imports, bounded interpreter depth.
 * </ol>
 *
 * The engine is immutable once built and thread-safe; its internal parse cache is disabled since
 * {@link Compiler} keeps its own bounded cache of validated expressions.
 */
final class Sandbox {
  /** Deepest JEXL interpreter recursion allowed (well above what {@link Validator} admits). */
  static final int INTERPRETER_DEPTH = 512;

  static final JexlFeatures FEATURES =
      new JexlFeatures()
          .script(false)
          .localVar(false)
          .sideEffect(false)
          .sideEffectGlobal(false)
          .loops(false)
          .lambda(false)
          .thinArrow(false)
          .fatArrow(false)
          .methodCall(false)
          .newInstance(false)
          .structuredLiteral(false)
          .pragma(false)
          .pragmaAnywhere(false)
          .namespacePragma(false)
          .namespaceIdentifier(false)
          .importPragma(false)
          .annotation(false)
          .arrayReferenceExpr(false)
          .register(false)
          .comparatorNames(true);

  /** Permissions allowing no package, class, constructor, method or field at all. */
  static final JexlPermissions DENY_ALL = new DenyAll();

  static final JexlEngine ENGINE = create();

  private Sandbox() {}

  private static JexlEngine create() {
    JexlSandbox sandbox = new JexlSandbox(false, true);
    // inheritable, read-only (no write, no execute)
    sandbox.permissions(Map.class.getName(), true, true, false, false);
    sandbox.permissions(List.class.getName(), true, true, false, false);
    return new JexlBuilder()
        .uberspect(new ScopeUberspect())
        .permissions(DENY_ALL)
        .sandbox(sandbox)
        .arithmetic(new StrictArithmetic())
        .features(FEATURES)
        .strict(true)
        .safe(false)
        .silent(false)
        .antish(false)
        .booleanLogical(true)
        .cancellable(false)
        .debug(false)
        .cache(0)
        .stackOverflow(INTERPRETER_DEPTH)
        .namespaces(Map.of())
        .imports(List.of())
        .create();
  }

  private static final class DenyAll implements JexlPermissions {
    @Override
    public boolean allow(Package pack) {
      return false;
    }

    @Override
    public boolean allow(Class<?> clazz) {
      return false;
    }

    @Override
    public boolean allow(Constructor<?> ctor) {
      return false;
    }

    @Override
    public boolean allow(Method method) {
      return false;
    }

    @Override
    public boolean allow(Field field) {
      return false;
    }

    @Override
    public JexlPermissions compose(String... src) {
      return this;
    }
  }
}
