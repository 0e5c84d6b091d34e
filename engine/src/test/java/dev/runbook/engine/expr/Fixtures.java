package dev.runbook.engine.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared scope and helpers for the expression tests. */
final class Fixtures {
  private Fixtures() {}

  static Map<String, Object> scope() {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("id", "run-1");
    run.put("status", "running");
    run.put("ticket", null);
    run.put("attempt", 2);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("database", "orders");
    params.put("expectRows", 42);
    params.put("limit", 10L);
    params.put("ratio", 0.5);
    params.put("price", new BigDecimal("2.50"));
    params.put("enabled", true);
    params.put("dryRun", false);
    params.put("tags", List.of("a", "b"));
    params.put("nothing", null);
    params.put("name", "x");
    return Map.of(
        "params",
        params,
        "env",
        Map.of(
            "name",
            "stage",
            "region",
            "eu-west-1",
            "databases",
            Map.of("orders", Map.of("engine", "postgres"))),
        "run",
        run,
        "steps",
        Map.of(
            "fix",
            Map.of("outputs", Map.of("rows", 3, "ids", List.of(7, 8))),
            "my-step",
            Map.of("outputs", Map.of("ok", true))));
  }

  static Object eval(String expression) throws ExpressionException {
    return Expression.parse(expression).evaluate(scope());
  }

  static Object render(String raw) throws ExpressionException {
    return Template.parse(raw).render(scope());
  }

  static ExpressionException parseFails(String raw) {
    return assertThrows(ExpressionException.class, () -> Template.parse(raw));
  }

  static void assertParseError(String raw, String message) {
    assertEquals(message, parseFails(raw).getMessage());
  }

  static void assertEvalError(String expression, String message) throws ExpressionException {
    Expression parsed = Expression.parse(expression);
    ExpressionException e = assertThrows(ExpressionException.class, () -> parsed.evaluate(scope()));
    assertEquals(message, e.getMessage());
  }
}
