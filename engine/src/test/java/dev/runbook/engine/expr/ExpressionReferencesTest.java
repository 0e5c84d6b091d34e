package dev.runbook.engine.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExpressionReferencesTest {

  @Test
  void references_list_every_path_read_in_order_of_appearance() throws ExpressionException {
    Expression e =
        Expression.parse(
            "params.database == 'x' && steps.fix.outputs.rows > 0 || env.databases.orders.engine");
    assertEquals(
        List.of(
            List.of("params", "database"),
            List.of("steps", "fix", "outputs", "rows"),
            List.of("env", "databases", "orders", "engine")),
        e.references());
  }

  @Test
  void references_are_distinct() throws ExpressionException {
    Expression e = Expression.parse("params.a == params.b ? params.a : run.status");
    assertEquals(
        List.of(List.of("params", "a"), List.of("params", "b"), List.of("run", "status")),
        e.references());
  }

  @Test
  void bracket_keys_quoted_names_and_list_indexes_are_path_segments() throws ExpressionException {
    Expression e =
        Expression.parse("steps['my-step'].outputs.ok && steps.'other step'.outputs.ids[0] == 1");
    assertEquals(
        List.of(
            List.of("steps", "my-step", "outputs", "ok"),
            List.of("steps", "other step", "outputs", "ids", "0")),
        e.references());
  }

  @Test
  void a_bare_root_and_literals_only_are_references_too() throws ExpressionException {
    assertEquals(List.of(List.of("run")), Expression.parse("run").references());
    assertEquals(List.of(), Expression.parse("1 + 2 == 3").references());
  }

  @Test
  void references_cannot_be_modified() throws ExpressionException {
    List<List<String>> refs = Expression.parse("params.a").references();
    assertThrows(UnsupportedOperationException.class, () -> refs.add(List.of("x")));
    assertThrows(UnsupportedOperationException.class, () -> refs.get(0).add("x"));
  }
}
