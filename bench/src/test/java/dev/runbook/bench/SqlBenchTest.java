package dev.runbook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every SqlBench variant runs once on 1,000 rows and does the same work as its baseline. */
class SqlBenchTest {
  @Test
  void eachVariantRunsOnceOnASmallTable() throws Exception {
    Path psql = Path.of(System.getProperty("bench.psql", "/usr/bin/psql"));
    // The baseline is psql itself: without it there is nothing to compare against (.ci/run
    // installs postgresql-client when it is missing).
    assertTrue(Files.isExecutable(psql), "no psql client at " + psql);
    SqlBench.Config config = new SqlBench.Config(1_000, 100, 1, 0, 1, psql);
    try (SqlBench bench = SqlBench.start(config)) {
      bench.run();
      for (SqlBench.Variant v : bench.variants()) {
        assertEquals(1, v.millis().size(), v.label());
        v.parts().values().forEach(p -> assertEquals(1, p.size(), v.label()));
      }
      SqlBench.Checks c = bench.checks();
      assertEquals(1_000, c.backupStepRows);
      assertEquals(1_000, c.ctasRows);
      assertEquals(1_000, c.exportStepRows);
      assertEquals(1_000, c.psqlRows);
      assertEquals("copy", c.exportMethod);
      assertEquals(c.psqlSha, c.exportStepSha, "the step's file and psql's differ");
      assertEquals(c.psqlBytes, c.exportStepBytes);
      assertEquals(100, c.bareRows);
      assertEquals(100, c.previewRows);
      assertEquals(100, c.appliedRows);
      assertEquals(100, c.runRows);
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      bench.print(new PrintStream(text, true, StandardCharsets.UTF_8));
      assertTrue(text.toString(StandardCharsets.UTF_8).contains("same rows, same bytes"));
      // bench/run's rows: one per variant, each against its task's baseline
      List<String> rows = bench.results().rows();
      assertEquals(bench.variants().size(), rows.size(), rows.toString());
      assertTrue(
          rows.stream().anyMatch(r -> r.startsWith("backup of 1,000 rows\tsql.backup step\t")),
          rows.toString());
      assertTrue(
          rows.stream().filter(r -> r.contains("\tpsql: ")).anyMatch(r -> r.contains("\t1.00\t")),
          rows.toString());
    }
  }
}
