package dev.runbook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bench/run} reads (each benchmark's TSV file) and how the script treats bad arguments.
 * The benchmarks themselves run in their own tests on small data; the script is not.
 */
class BenchRunTest {
  @TempDir Path dir;

  @Test
  void aBenchmarkWritesOneTsvRowPerFigureWithItsRatioToTheBaseline() throws IOException {
    Path file =
        new BenchResults("demo")
            .add("compile 10 steps", "baseline", "median ms", 8.0, 8.0, "")
            .add("compile 10 steps", "full\tpipeline", "median ms", 150.0, 8.0, "< 200 ms")
            .write(dir);

    assertEquals(dir.resolve("demo.tsv"), file);
    assertEquals(
        List.of(
            BenchResults.HEADER,
            "compile 10 steps\tbaseline\tmedian ms\t8.000\t8.000\t1.00\t",
            "compile 10 steps\tfull pipeline\tmedian ms\t150.0\t8.000\t18.75\t< 200 ms"),
        Files.readAllLines(file));
  }

  @Test
  void anUnknownBenchmarkIsRefusedWithExitCode2() throws Exception {
    Result result = script("--only", "compile,nope");

    assertEquals(2, result.exit());
    assertEquals(
        "bench/run: --only: unknown benchmark 'nope' (compile, interpreter, sql, ssh)\n",
        result.stderr());
  }

  @Test
  void anUnknownArgumentIsRefusedWithExitCode2() throws Exception {
    Result result = script("--fast");

    assertEquals(2, result.exit());
    assertEquals("bench/run: unknown argument '--fast' (see bench/run --help)\n", result.stderr());
  }

  @Test
  void helpNamesEveryBenchmark() throws Exception {
    Result result = script("--help");

    assertEquals(0, result.exit());
    for (String main : List.of("CompileBench", "InterpreterBench", "SqlBench", "SshBench")) {
      assertTrue(result.stdout().contains(main), result.stdout());
    }
  }

  private record Result(int exit, String stdout, String stderr) {}

  /** Runs bench/run with bash; arguments that are refused stop it before any build. */
  private Result script(String... args) throws Exception {
    Path root = CompileBench.repositoryRoot();
    Path run = root.resolve("bench").resolve("run");
    assertTrue(Files.isExecutable(run), "bench/run is missing or not executable");
    List<String> command = new ArrayList<>(List.of("bash", run.toString()));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(dir.resolve("out").toFile())
            .redirectError(dir.resolve("err").toFile())
            .start();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "bench/run did not stop within 30 s");
    return new Result(
        process.exitValue(),
        Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
  }
}
