package dev.runbook.engine.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConcurrencyAndDeterminismTest {

  @Test
  void a_shared_expression_evaluates_correctly_from_many_threads() throws Exception {
    Expression shared =
        Expression.parse(
            "params.n * 2 + (params.name == 'w' + params.n ? 1 : 0) + steps.s.outputs.k");
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Callable<Boolean> task =
            () -> {
              for (int i = 0; i < 2000; i++) {
                long n = id * 10_000L + i;
                Map<String, Object> scope =
                    Map.of(
                        "params",
                        Map.of("n", n, "name", i % 2 == 0 ? "w" + n : "other"),
                        "steps",
                        Map.of("s", Map.of("outputs", Map.of("k", i))));
                long expected = n * 2 + (i % 2 == 0 ? 1 : 0) + i;
                if (!Long.valueOf(expected).equals(shared.evaluate(scope))) {
                  return false;
                }
              }
              return true;
            };
        results.add(pool.submit(task));
      }
      for (Future<Boolean> r : results) {
        assertEquals(true, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parsing_from_many_threads_gives_equal_results() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Template>> results = new ArrayList<>();
      for (int t = 0; t < 24; t++) {
        results.add(
            pool.submit(() -> Template.parse("db ${{ params.database }} ${{ env.name == 'x' }}")));
      }
      Template first = results.get(0).get();
      for (Future<Template> r : results) {
        assertEquals(first, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void equal_inputs_give_equal_outputs_regardless_of_map_implementation()
      throws ExpressionException {
    Template t = Template.parse("${{ steps.fix.outputs }}");
    Object first = t.render(Fixtures.scope());
    for (int i = 0; i < 50; i++) {
      assertEquals(first, t.render(Fixtures.scope()));
    }
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("rows", 3);
    outputs.put("ids", List.of(7, 8));
    Map<String, Object> other = Map.of("steps", Map.of("fix", Map.of("outputs", outputs)));
    assertEquals(first, t.render(other));
  }

  @Test
  void evaluation_results_do_not_depend_on_previous_evaluations() throws ExpressionException {
    Expression e = Expression.parse("params.x + 1");
    assertEquals(2L, e.evaluate(Map.of("params", Map.of("x", 1))));
    assertEquals("a1", e.evaluate(Map.of("params", Map.of("x", "a"))));
    assertEquals(2L, e.evaluate(Map.of("params", Map.of("x", 1))));
    Expression missing = Expression.parse("params.x");
    assertEquals(1L, missing.evaluate(Map.of("params", Map.of("x", 1))));
    ExpressionException err =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExpressionException.class, () -> missing.evaluate(Map.of("params", Map.of())));
    assertEquals("unknown reference params.x", err.getMessage());
    assertEquals(1L, missing.evaluate(Map.of("params", Map.of("x", 1))));
  }
}
