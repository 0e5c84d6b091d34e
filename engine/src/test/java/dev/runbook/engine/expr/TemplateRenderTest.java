package dev.runbook.engine.expr;

import static dev.runbook.engine.expr.Fixtures.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TemplateRenderTest {

  @Test
  void a_single_expression_keeps_the_type_of_its_value() throws ExpressionException {
    assertEquals(42L, render("${{ params.expectRows }}"));
    assertEquals(true, render(" ${{ params.enabled }} "));
    assertEquals(new BigDecimal("0.5"), render("${{ params.ratio }}"));
    assertEquals(List.of("a", "b"), render("${{ params.tags }}"));
    assertEquals(null, render("${{ run.ticket }}"));
  }

  @Test
  void text_renders_as_itself() throws ExpressionException {
    assertEquals("no expressions here", render("no expressions here"));
    assertEquals("literal ${{ x }}", render("literal $${{ x }}"));
  }

  @Test
  void interpolation_writes_integers_without_a_decimal_point() throws ExpressionException {
    assertEquals(
        "rows=42 limit=10 attempt=2",
        render(
            "rows=${{ params.expectRows }} limit=${{ params.limit }} attempt=${{ run.attempt }}"));
    assertEquals("n=3", render("n=${{ 6 / 2 }}"));
  }

  @Test
  void interpolation_writes_decimals_plainly_without_trailing_zeros() throws ExpressionException {
    assertEquals(
        "price 2.5 ratio 0.5 whole 3",
        render("price ${{ params.price }} ratio ${{ params.ratio }} whole ${{ 1.5 * 2 }}"));
  }

  @Test
  void interpolation_writes_null_as_empty_and_booleans_as_words() throws ExpressionException {
    assertEquals(
        "ticket=[] on=true off=false",
        render("ticket=[${{ run.ticket }}] on=${{ params.enabled }} off=${{ params.dryRun }}"));
  }

  @Test
  void a_map_or_list_cannot_be_put_into_text() throws ExpressionException {
    Template list = Template.parse("tags: ${{ params.tags }}");
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> list.render(Fixtures.scope()));
    assertEquals("cannot put a map/list into text", e.getMessage());
    assertEquals(6, e.offset());
    Template map = Template.parse("x ${{ steps.fix }}");
    assertEquals(
        "cannot put a map/list into text",
        assertThrows(ExpressionException.class, () -> map.render(Fixtures.scope())).getMessage());
  }

  @Test
  void rendering_does_not_modify_the_scope_and_results_are_unmodifiable()
      throws ExpressionException {
    Map<String, Object> scope = Fixtures.scope();
    Object outputs = Template.parse("${{ steps.fix.outputs }}").render(scope);
    assertThrows(UnsupportedOperationException.class, () -> ((Map<?, ?>) outputs).clear());
    assertEquals(Fixtures.scope(), scope);
  }
}
