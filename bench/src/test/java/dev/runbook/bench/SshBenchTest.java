package dev.runbook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every SshBench variant runs once on 1 MB and does the same work through its own path. */
class SshBenchTest {
  @Test
  void eachVariantRunsOnceOnSmallData() throws Exception {
    // OpenSSH's server and client are the baseline: without them there is nothing to compare
    // against (.ci/run installs openssh-server when sshd is missing); a missing one fails here.
    try (SshBench bench = SshBench.start(new SshBench.Config(1, 20, 1))) {
      bench.run();
      assertEquals(5, bench.variants().size());
      for (SshBench.Variant v : bench.variants()) {
        assertEquals(1, v.runs(), v.label());
        assertEquals(1048000, v.pulledBytes(), v.label() + ": bytes downloaded");
        assertEquals(1048000, v.pushedBytes(), v.label() + ": bytes uploaded");
        assertEquals(20, v.queriesAnswered(), v.label() + ": SELECT 1 answers");
      }
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      bench.print(new PrintStream(text, true, StandardCharsets.UTF_8));
      String printed = text.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("engine: JSch, 2 MiB window"), printed);
      assertTrue(printed.contains("OpenSSH ssh -L, aes128-gcm"), printed);
      // bench/run's rows: the engine's tunnel against ssh -L, and no tunnel for the download
      assertEquals(
          List.of(
              "download 1 MB, vs ssh -L\tengine: JSch, 2 MiB window",
              "download 1 MB, vs ssh -L\tdirect (no tunnel)",
              "upload 1 MB, vs ssh -L\tengine: JSch, 2 MiB window",
              "SELECT 1 p50, vs ssh -L\tengine: JSch, 2 MiB window",
              "open + first SELECT 1, vs ssh -L\tengine: JSch, 2 MiB window"),
          bench.results().rows().stream()
              .map(r -> r.substring(0, r.indexOf('\t', r.indexOf('\t') + 1)))
              .toList());
    }
  }
}
