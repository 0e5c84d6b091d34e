package dev.runbook.engine.expr;

import static dev.runbook.engine.expr.Fixtures.assertEvalError;
import static dev.runbook.engine.expr.Fixtures.eval;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExpressionEvaluationTest {

  @Test
  void references_read_nested_maps_and_lists() throws ExpressionException {
    assertEquals("orders", eval("params.database"));
    assertEquals("postgres", eval("env.databases.orders.engine"));
    assertEquals(8L, eval("steps.fix.outputs.ids[1]"));
    assertEquals(true, eval("steps['my-step'].outputs.ok"));
    assertEquals(true, eval("steps.'my-step'.outputs.ok"));
  }

  @Test
  void integers_come_out_as_long_and_decimals_as_big_decimal() throws ExpressionException {
    assertEquals(42L, eval("params.expectRows"));
    assertEquals(10L, eval("params.limit"));
    assertEquals(new BigDecimal("0.5"), eval("params.ratio"));
    assertEquals(new BigDecimal("2.50"), eval("params.price"));
    assertEquals(7L, eval("7"));
    assertEquals(new BigDecimal("1.5"), eval("1.5"));
    assertEquals(List.of(7L, 8L), eval("steps.fix.outputs.ids"));
    assertEquals(Map.of("rows", 3L, "ids", List.of(7L, 8L)), eval("steps.fix.outputs"));
  }

  @Test
  void and_or_not_mix_with_their_symbol_forms() throws ExpressionException {
    assertEquals(true, eval("params.enabled and not params.dryRun && (false or true)"));
    assertEquals(false, eval("params.enabled && !params.enabled || params.dryRun"));
    assertEquals(true, eval("!params.dryRun and params.enabled"));
  }

  @Test
  void logical_operators_short_circuit() throws ExpressionException {
    assertEquals(false, eval("params.dryRun && params.nope"));
    assertEquals(true, eval("params.enabled || params.nope"));
    assertEquals("b", eval("params.dryRun ? params.nope : 'b'"));
  }

  @Test
  void numbers_compare_by_value_across_integer_and_decimal() throws ExpressionException {
    assertEquals(true, eval("1 == 1.0"));
    assertEquals(true, eval("params.expectRows == 42"));
    assertEquals(true, eval("params.price == 2.5"));
    assertEquals(true, eval("params.ratio < 1 && params.expectRows >= 42 && 3 > 2.99"));
    assertEquals(false, eval("params.limit <= 9"));
    assertEquals(true, eval("params.limit != 11"));
    assertEquals(true, eval("0.1 + 0.2 == 0.3"));
  }

  @Test
  void strings_compare_by_equality_and_lexical_order() throws ExpressionException {
    assertEquals(true, eval("env.name == 'stage'"));
    assertEquals(true, eval("env.name != \"prod\""));
    assertEquals(true, eval("'abc' < 'abd'"));
    assertEquals(true, eval("env.name eq 'stage' and 'b' gt 'a'"));
  }

  @Test
  void booleans_compare_by_equality() throws ExpressionException {
    assertEquals(true, eval("params.enabled == true"));
    assertEquals(false, eval("params.dryRun == true"));
    assertEquals(true, eval("params.enabled != params.dryRun"));
  }

  @Test
  void values_of_different_types_are_never_equal() throws ExpressionException {
    assertEquals(false, eval("'1' == 1"));
    assertEquals(false, eval("params.enabled == 'true'"));
    assertEquals(true, eval("'1' != 1"));
  }

  @Test
  void null_values_compare_with_null_and_nothing_else() throws ExpressionException {
    assertNull(eval("run.ticket"));
    assertNull(eval("null"));
    assertEquals(true, eval("run.ticket == null"));
    assertEquals(false, eval("run.ticket == ''"));
    assertEquals(false, eval("run.status == null"));
    assertEquals("none", eval("run.ticket == null ? 'none' : run.ticket"));
  }

  @Test
  void null_counts_as_false_in_conditions() throws ExpressionException {
    assertEquals("no", eval("run.ticket ? 'yes' : 'no'"));
    assertEquals(false, eval("run.ticket && true"));
    assertEquals(true, eval("run.ticket || true"));
    assertEquals(true, eval("!run.ticket"));
  }

  @Test
  void null_is_not_a_number_or_a_string() throws ExpressionException {
    assertEvalError(
        "params.nothing + 1",
        "cannot evaluate 'params.nothing + 1': cannot apply '+' to null and an integer");
    assertEvalError(
        "'x' + params.nothing",
        "cannot evaluate ''x' + params.nothing': cannot add null to a string");
    assertEvalError(
        "-params.nothing", "cannot evaluate '-params.nothing': '-' needs a number but got null");
    assertEvalError(
        "params.nothing + 1 > 0 ? 1 : 2",
        "cannot evaluate 'params.nothing + 1 > 0 ? 1 : 2': cannot apply '+' to null and an integer");
  }

  @Test
  void arithmetic_is_exact_and_integer_division_truncates() throws ExpressionException {
    assertEquals(45L, eval("params.expectRows + 3"));
    assertEquals(3L, eval("7 / 2"));
    assertEquals(new BigDecimal("3.5"), eval("7 / 2.0"));
    assertEquals(1L, eval("7 % 3"));
    assertEquals(-42L, eval("-params.expectRows"));
    assertEquals(new BigDecimal("5.00"), eval("params.price * 2"));
    assertEquals(84L, eval("(params.expectRows - 0) * 2"));
  }

  @Test
  void plus_with_a_string_concatenates() throws ExpressionException {
    assertEquals("orders-42", eval("params.database + '-' + params.expectRows"));
    assertEquals("11", eval("'1' + 1"));
    assertEquals("x2.5true", eval("'x' + params.price + params.enabled"));
  }

  @Test
  void a_ternary_picks_a_branch_by_a_boolean() throws ExpressionException {
    assertEquals("big", eval("params.expectRows > 10 ? 'big' : 'small'"));
    assertEquals(1L, eval("env.name == 'prod' ? 0 : 1"));
  }

  @Test
  void an_unknown_property_is_an_error_not_null() throws ExpressionException {
    assertEvalError("params.nope", "unknown reference params.nope");
    assertEvalError("env.databases.nope.engine", "unknown reference env.databases.nope");
    assertEvalError("steps.fix.outputs.ids[5]", "unknown reference steps.fix.outputs.ids.5");
    assertEvalError("params.nope == null", "unknown reference params.nope");
  }

  @Test
  void a_missing_root_variable_is_an_unknown_reference() throws ExpressionException {
    Expression e = Expression.parse("steps.fix.outputs.rows");
    ExpressionException x =
        assertThrows(ExpressionException.class, () -> e.evaluate(Map.of("params", Map.of())));
    assertEquals("unknown reference steps", x.getMessage());
  }

  @Test
  void reading_through_null_is_an_error() throws ExpressionException {
    assertEvalError("run.ticket.id", "cannot evaluate 'run.ticket.id': run.ticket is null");
  }

  @Test
  void properties_of_strings_and_numbers_do_not_exist() throws ExpressionException {
    assertEvalError("env.name.length", "unknown reference env.name.length");
    assertEvalError("params.expectRows.class", "unknown reference params.expectRows.class");
  }

  @Test
  void type_errors_are_reported_without_java_names() throws ExpressionException {
    assertEvalError(
        "'a' < 1", "cannot evaluate ''a' < 1': cannot compare a string with an integer");
    assertEvalError("!'x'", "cannot evaluate '!'x'': '!' needs a boolean but got a string");
    assertEvalError(
        "params.database && true",
        "cannot evaluate 'params.database && true': a condition needs a boolean but got a string");
    assertEvalError(
        "params.expectRows ? 1 : 2",
        "cannot evaluate 'params.expectRows ? 1 : 2': a condition needs a boolean but got an integer");
    assertEvalError(
        "params.tags * 2",
        "cannot evaluate 'params.tags * 2': cannot apply '*' to a list and an integer");
    assertEvalError("-'x'", "cannot evaluate '-'x'': '-' needs a number but got a string");
    assertEvalError(
        "run.ticket < 1", "cannot evaluate 'run.ticket < 1': cannot compare null with an integer");
  }

  @Test
  void division_by_zero_and_overflow_are_errors() throws ExpressionException {
    assertEvalError("1 / 0", "cannot evaluate '1 / 0': division by zero");
    assertEvalError("1.5 % 0", "cannot evaluate '1.5 % 0': division by zero");
    assertEvalError(
        "9223372036854775807 + 1", "cannot evaluate '9223372036854775807 + 1': integer overflow");
  }

  @Test
  void evaluation_errors_point_at_the_expression_in_the_original_string()
      throws ExpressionException {
    Template t = Template.parse("db ${{ params.nope }}");
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> t.render(Fixtures.scope()));
    assertEquals(3, e.offset());
  }
}
