package dev.runbook.engine.expr;

import static dev.runbook.engine.expr.Fixtures.assertEvalError;
import static dev.runbook.engine.expr.Fixtures.parseFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SandboxTest {

  @ParameterizedTest(name = "escape attempt {0} fails without leaking Java names")
  @ValueSource(
      strings = {
        "${{ ''.class }}",
        "${{ ''.class.forName('java.lang.Runtime') }}",
        "${{ params.getClass() }}",
        "${{ \"x\".getClass().forName('java.lang.Runtime').getRuntime().exec('id') }}",
        "${{ new('java.io.File', '/') }}",
        "${{ new java.lang.ProcessBuilder('id') }}",
        "${{ params.size() }}",
        "${{ env.name.length() }}",
        "${{ java.lang.Runtime }}",
        "${{ Runtime.getRuntime() }}",
        "${{ #pragma jexl.import java.lang }}",
        "${{ params.class.forName('x') }}x",
        "${{ params['class'].forName('x') }}",
        "${{ this.class }}",
        "${{ constructor.constructor('x')() }}",
        "${{ params.__proto__.polluted = 1 }}",
        "${{ `${params.getClass()}` }}",
        "${{ ~/.*/ }}"
      })
  void escape_attempts_are_rejected_when_parsing(String raw) {
    ExpressionException e = parseFails(raw);
    assertNoInternals(e.getMessage());
  }

  @Test
  void class_like_keys_are_just_missing_map_entries() throws ExpressionException {
    assertEvalError("params.class", "unknown reference params.class");
    assertEvalError("params['class']", "unknown reference params.class");
    assertEvalError("params.__proto__", "unknown reference params.__proto__");
    assertEvalError("params.empty", "unknown reference params.empty");
    assertEvalError("params.size", "unknown reference params.size");
    assertEvalError("params.tags.length", "unknown reference params.tags.length");
    assertEvalError("env.name.bytes", "unknown reference env.name.bytes");
  }

  @Test
  void objects_outside_the_value_model_expose_nothing() throws ExpressionException {
    Map<String, Object> scope = Map.of("params", Map.of("file", new File("/")));
    Expression path = Expression.parse("params.file.path");
    ExpressionException e = assertThrows(ExpressionException.class, () -> path.evaluate(scope));
    assertEquals("unknown reference params.file.path", e.getMessage());
    Expression whole = Expression.parse("params.file");
    ExpressionException w = assertThrows(ExpressionException.class, () -> whole.evaluate(scope));
    assertEquals("cannot evaluate 'params.file': unsupported value", w.getMessage());
  }

  @Test
  void evaluation_never_writes_to_the_scope() throws ExpressionException {
    Map<String, Object> params = new HashMap<>(Map.of("a", 1));
    Expression.parse("params.a == 1 && params.a + 1 == 2").evaluate(Map.of("params", params));
    assertEquals(Map.of("a", 1), params);
  }

  @Test
  void very_long_input_is_bounded() {
    String longSum = "1" + " + 1".repeat(1000);
    assertEquals("expression too complex", parseFails("${{ " + longSum + " }}").getMessage());
  }

  @Test
  void deeply_nested_parentheses_are_bounded() {
    String nested = "(".repeat(500) + "1" + ")".repeat(500);
    assertEquals("expression too complex", parseFails("${{ " + nested + " }}").getMessage());
  }

  @Test
  void deep_operator_chains_and_unary_chains_are_bounded_without_stack_overflow() {
    String chain = "params.a" + " + 1".repeat(100);
    assertEquals("expression too complex", parseFails("${{ " + chain + " }}").getMessage());
    String nots = "!".repeat(1500) + "params.enabled";
    assertEquals("expression too complex", parseFails("${{ " + nots + " }}").getMessage());
    String minus = "- ".repeat(900) + "1";
    assertEquals("expression too complex", parseFails("${{ " + minus + " }}").getMessage());
  }

  @Test
  void moderately_long_expressions_still_work() throws ExpressionException {
    String sum = "1" + " + 1".repeat(40);
    assertEquals(41L, Fixtures.eval(sum));
    String nested = "(".repeat(20) + "params.expectRows" + ")".repeat(20);
    assertEquals(42L, Fixtures.eval(nested));
    assertEquals(List.of(List.of("params", "expectRows")), Expression.parse(nested).references());
  }

  static void assertNoInternals(String message) {
    for (String internal : List.of("org.apache", "JEXL", "Exception", "\n", "\tat ", "@1:")) {
      assertFalse(message.contains(internal), message);
    }
  }

  @Test
  void multi_line_sources_give_one_line_messages() {
    ExpressionException e = parseFails("${{ params.a\n + * 2 }}");
    assertEquals(
        "invalid expression 'params.a  + * 2': unexpected '*' at line 2, column 4", e.getMessage());
    assertEquals(16, e.offset());
  }

  @Test
  void the_engine_alone_refuses_calls_and_assignments_even_without_the_validator() {
    assertThrows(
        RuntimeException.class, () -> Sandbox.ENGINE.createExpression("params.getClass()"));
    assertThrows(RuntimeException.class, () -> Sandbox.ENGINE.createExpression("x = 1"));
    assertThrows(
        RuntimeException.class, () -> Sandbox.ENGINE.createExpression("new('java.io.File', '/')"));
    assertThrows(
        RuntimeException.class,
        () -> Sandbox.ENGINE.createExpression("''.class").evaluate(new ScopeContext(Map.of())));
  }

  @Test
  void the_introspection_offers_no_methods_constructors_setters_or_classes() {
    ScopeUberspect uberspect = new ScopeUberspect();
    assertEquals(null, uberspect.getMethod(Map.of(), "getClass"));
    assertEquals(null, uberspect.getConstructor("java.io.File", "/"));
    assertEquals(null, uberspect.getPropertySet(new HashMap<>(), "a", 1));
    assertEquals(null, uberspect.getPropertyGet("text", "class"));
    assertEquals(null, uberspect.getClassByName("java.lang.Runtime"));
    assertEquals(null, uberspect.getIterator(List.of(1)));
    assertFalse(Sandbox.DENY_ALL.allow(String.class));
  }
}
