package dev.runbook.engine.expr;

import static dev.runbook.engine.expr.Fixtures.assertParseError;
import static dev.runbook.engine.expr.Fixtures.parseFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExpressionRejectionTest {

  private static void rejected(String source, String messagePrefix) {
    assertParseError("${{ " + source + " }}", messagePrefix + source);
  }

  @ParameterizedTest(name = "method call {0} is rejected")
  @ValueSource(
      strings = {
        "params.getClass()",
        "params.size()",
        "env.name.length()",
        "params.a.b(1)",
        "'x'.getClass().forName('java.lang.Runtime')",
        "\"x\".getClass().forName('java.lang.Runtime')"
      })
  void method_calls_are_rejected(String source) {
    rejected(source, "function and method calls are not allowed: ");
  }

  @ParameterizedTest(name = "function call {0} is rejected")
  @ValueSource(
      strings = {
        "f(params.x)",
        "size(params.tags)",
        "empty(params.tags)",
        "ns:f(1)",
        "(params.a)(1)"
      })
  void function_calls_are_rejected(String source) {
    rejected(source, "function and method calls are not allowed: ");
  }

  @ParameterizedTest(name = "object creation {0} is rejected like a call")
  @ValueSource(strings = {"new('java.io.File', '/')", "new java.io.File('/')"})
  void object_creation_is_rejected_like_a_call(String source) {
    rejected(source, "function and method calls are not allowed: ");
  }

  @ParameterizedTest(name = "assignment {0} is rejected")
  @ValueSource(
      strings = {
        "params.a = 1",
        "params = 1",
        "params.a += 1",
        "params.a -= 1",
        "params.a++",
        "++params.a",
        "--params.a"
      })
  void assignments_are_rejected(String source) {
    rejected(source, "assignment is not allowed: ");
  }

  @ParameterizedTest(name = "statement {0} is rejected")
  @ValueSource(
      strings = {
        "var x = 1",
        "let x = 1",
        "x -> x + 1",
        "(x) => x",
        "function(x) { x }",
        "for (x : params.tags) { x }",
        "while (true) { 1 }",
        "if (params.a) 1",
        "{ params.a; params.b }",
        "return 1",
        "params.a; params.b",
        "#pragma jexl.namespace.x java.lang.Runtime",
        "@silent params.a",
        "throw 'x'"
      })
  void statements_are_rejected(String source) {
    rejected(source, "only expressions are allowed, not statements: ");
  }

  @Test
  void an_unknown_root_name_is_rejected_at_parse_time() {
    assertParseError(
        "${{ secrets.token }}",
        "unknown name 'secrets': expressions may use params, env, run and steps");
    assertParseError(
        "${{ params.a == x }}", "unknown name 'x': expressions may use params, env, run and steps");
    ExpressionException e = parseFails("ab ${{ params.a == __proto__ }}");
    assertEquals(
        "unknown name '__proto__': expressions may use params, env, run and steps", e.getMessage());
    assertEquals(19, e.offset());
  }

  @ParameterizedTest(name = "operator {0} is rejected")
  @ValueSource(
      strings = {
        "params.a =~ 'x'",
        "params.a !~ 'x'",
        "params.a =^ 'x'",
        "params.a === 1",
        "1 .. 3",
        "1 & 2",
        "1 << 2",
        "~1",
        "params.a ?? 1",
        "params.a ?: 1",
        "params?.a",
        "params.a instanceof java.lang.String"
      })
  void operators_outside_the_language_are_rejected(String source) {
    ExpressionException e = parseFails("${{ " + source + " }}");
    assertEquals(true, e.getMessage().startsWith("operator '"), e.getMessage());
    assertEquals(true, e.getMessage().endsWith("' is not allowed: " + source), e.getMessage());
  }

  @Test
  void structured_literals_are_rejected() {
    rejected("[1, 2]", "list, set and map literals are not allowed: ");
    rejected("{'a': 1}", "list, set and map literals are not allowed: ");
    rejected("{1, 2}", "list, set and map literals are not allowed: ");
  }

  @Test
  void bracket_keys_must_be_literals() {
    rejected("params[env.name]", "only literal keys are allowed in [ ]: ");
    rejected("params.tags[-1]", "only literal keys are allowed in [ ]: ");
  }

  @Test
  void properties_of_literals_are_rejected() {
    rejected("''.class", "property access is only allowed on params, env, run and steps: ");
    rejected("(params).class", "property access is only allowed on params, env, run and steps: ");
  }

  @Test
  void backtick_templates_and_unknown_characters_are_syntax_errors() {
    assertParseError(
        "${{ `x${params.a}` }}", "invalid expression '`x${params.a}`': unexpected '`' at column 1");
    assertParseError(
        "${{ params.a § 1 }}", "invalid expression 'params.a § 1': unexpected '§' at column 10");
    assertParseError(
        "${{ 1.5f }}", "invalid expression '1.5f': unsupported number '1.5f' at column 1");
  }
}
