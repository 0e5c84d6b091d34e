package dev.runbook.engine.expr;

import static dev.runbook.engine.expr.Fixtures.parseFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TemplateParseTest {

  @Test
  void a_string_without_expressions_is_text() throws ExpressionException {
    assertEquals(new Template.Text("plain value"), Template.parse("plain value"));
    assertEquals(List.of(), Template.parse("plain value").expressions());
    assertFalse(Template.containsExpression("plain ${ value } {{ x }}"));
  }

  @Test
  void a_string_that_is_one_expression_is_single_and_its_source_is_trimmed()
      throws ExpressionException {
    Template.Single single =
        assertInstanceOf(Template.Single.class, Template.parse("${{params.database}}"));
    assertEquals("params.database", single.expression().source());
    assertEquals(0, single.expression().offset());
  }

  @Test
  void whitespace_around_a_single_expression_is_ignored() throws ExpressionException {
    Template.Single single =
        assertInstanceOf(Template.Single.class, Template.parse("  ${{  params.expectRows \n}}\t "));
    assertEquals("params.expectRows", single.expression().source());
    assertEquals(2, single.expression().offset());
  }

  @Test
  void text_around_an_expression_makes_it_interpolated() throws ExpressionException {
    Template.Interpolated t =
        assertInstanceOf(
            Template.Interpolated.class, Template.parse("db-${{ params.database }}-x"));
    assertEquals(3, t.parts().size());
    assertEquals("db-", t.parts().get(0));
    assertEquals("params.database", ((Expression) t.parts().get(1)).source());
    assertEquals(3, ((Expression) t.parts().get(1)).offset());
    assertEquals("-x", t.parts().get(2));
  }

  @Test
  void several_expressions_in_one_string_are_interpolated_in_order() throws ExpressionException {
    Template t = Template.parse("${{ env.name }}${{ run.id }} and ${{ steps.fix.outputs.rows }}");
    assertInstanceOf(Template.Interpolated.class, t);
    assertEquals(
        List.of("env.name", "run.id", "steps.fix.outputs.rows"),
        t.expressions().stream().map(Expression::source).toList());
    assertEquals(List.of(0, 15, 33), t.expressions().stream().map(Expression::offset).toList());
  }

  @Test
  void a_double_dollar_escapes_a_literal_opening() throws ExpressionException {
    assertEquals(new Template.Text("cost ${{ x }}"), Template.parse("cost $${{ x }}"));
    assertFalse(Template.containsExpression("cost $${{ x }}"));
    Template.Interpolated mixed =
        assertInstanceOf(
            Template.Interpolated.class, Template.parse("$${{ literal }} ${{ env.name }}"));
    assertEquals(List.of("${{ literal }} "), mixed.parts().subList(0, 1));
  }

  @Test
  void contains_expression_sees_an_unescaped_opening() {
    assertTrue(Template.containsExpression("a ${{ b }}"));
    assertTrue(Template.containsExpression("a ${{ unclosed"));
    assertFalse(Template.containsExpression(null));
    assertFalse(Template.containsExpression(""));
  }

  @Test
  void a_closing_brace_pair_inside_a_quoted_string_does_not_end_the_expression()
      throws ExpressionException {
    assertEquals("x}}y", Fixtures.render("${{ 'x}}' + 'y' }}"));
  }

  @Test
  void an_unclosed_opening_is_reported_at_its_offset() {
    ExpressionException e = parseFails("abc ${{ params.database");
    assertEquals("unclosed ${{ (missing }})", e.getMessage());
    assertEquals(4, e.offset());
  }

  @Test
  void an_empty_expression_is_reported_at_its_offset() {
    ExpressionException e = parseFails("x ${{   }}");
    assertEquals("empty expression", e.getMessage());
    assertEquals(2, e.offset());
    assertEquals("empty expression", parseFails("${{}}").getMessage());
  }

  @Test
  void a_syntax_error_names_the_token_and_its_column_and_points_into_the_original_string() {
    ExpressionException e = parseFails("ab ${{ params.a + * 2 }}");
    assertEquals(
        "invalid expression 'params.a + * 2': unexpected '*' at column 12", e.getMessage());
    assertEquals(18, e.offset());
  }

  @Test
  void syntax_errors_are_one_line_without_jexl_internals() {
    assertEquals(
        "invalid expression 'params.a ==': unexpected end of expression",
        parseFails("${{ params.a == }}").getMessage());
    assertEquals(
        "invalid expression 'params.a ? 1': unexpected end of expression",
        parseFails("${{ params.a ? 1 }}").getMessage());
    assertEquals(
        "invalid expression 'params.a params.b': unexpected 'params' at column 10",
        parseFails("${{ params.a params.b }}").getMessage());
    assertEquals(
        "invalid expression '== 1': unexpected '==' at column 1",
        parseFails("${{ == 1 }}").getMessage());
    assertEquals(
        "invalid expression 'params.a ==== 2': unexpected '=' at column 13",
        parseFails("${{ params.a ==== 2 }}").getMessage());
  }

  @Test
  void brackets_and_quotes_are_checked_before_parsing() {
    assertEquals(
        "invalid expression '(params.a == 1': '(' at column 1 is never closed",
        parseFails("${{ (params.a == 1 }}").getMessage());
    assertEquals(
        "invalid expression 'params.a == 1)': unexpected ')' at column 14",
        parseFails("${{ params.a == 1) }}").getMessage());
    assertEquals(
        "invalid expression 'params.a == 'x': unterminated string at column 13",
        parseFails("${{ params.a == 'x }}").getMessage());
    assertEquals(
        "invalid expression 'params.a // 2': comments are not allowed at column 10",
        parseFails("${{ params.a // 2 }}").getMessage());
  }

  @Test
  void parsing_twice_gives_equal_templates() throws ExpressionException {
    String raw = "x ${{ params.database }} y ${{ env.name == 'prod' }}";
    assertEquals(Template.parse(raw), Template.parse(raw));
    assertEquals(Template.parse(raw).hashCode(), Template.parse(raw).hashCode());
  }
}
