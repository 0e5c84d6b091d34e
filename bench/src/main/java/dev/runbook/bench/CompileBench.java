package dev.runbook.bench;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;

/**
 * Times loading, validating and compiling a generated 1,000-step runbook against a baseline
 * measured side by side in the same JVM: SnakeYAML Engine composing the same text. Variants run
 * round-robin so machine drift hits all of them equally. Nothing asserts timings.
 *
 * <p>System properties: {@code runbook.root} (repository root; default: found from the working
 * directory), {@code bench.steps} (1000), {@code bench.warmup} (20 rounds, at most 10 s), {@code
 * bench.iterations} (30).
 */
public final class CompileBench {
  static final int STEPS = Integer.getInteger("bench.steps", 1000);
  private static final int WARMUP_ROUNDS = Integer.getInteger("bench.warmup", 20);
  private static final long WARMUP_NANOS = 10_000_000_000L;
  private static final int ITERATIONS = Integer.getInteger("bench.iterations", 30);
  private static final String FILE = "bench-large.yaml";

  /** Keeps results alive so the JIT cannot drop the work. */
  private static volatile Object sink;

  private CompileBench() {}

  public static void main(String[] args) {
    String text = RunbookGenerator.generate(STEPS);
    Map<String, ValidatedEnvironment> envs = environments(repositoryRoot());
    YamlLoader loader = new YamlLoader();
    LoadSettings settings = LoadSettings.builder().build();

    Map<String, Supplier<Object>> variants = new LinkedHashMap<>();
    variants.put("baseline: SnakeYAML compose", () -> new Compose(settings).composeString(text));
    variants.put("load", () -> loader.load(FILE, text));
    variants.put("load + validate", () -> validate(loader, text));
    variants.put("load + validate + compile", () -> compile(loader, text, envs));

    // The bench input must stay valid as the language evolves: fail loudly, not measure errors.
    PlanCompiler.Result check = compile(loader, text, envs);
    if (check.plan().isEmpty()) {
      throw new IllegalStateException("generated runbook does not compile: " + check.diagnostics());
    }

    System.out.printf(
        "CompileBench: %d steps, %,d characters of YAML; %s, %d cores%n",
        STEPS,
        text.length(),
        "Java " + Runtime.version(),
        Runtime.getRuntime().availableProcessors());

    long warmupStart = System.nanoTime();
    int warmups = 0;
    while (warmups < WARMUP_ROUNDS && System.nanoTime() - warmupStart < WARMUP_NANOS) {
      variants.values().forEach(v -> sink = v.get());
      warmups++;
    }
    System.out.printf(
        "warm-up: %d round(s) in %.1f s; measuring %d round(s), variants interleaved%n%n",
        warmups, (System.nanoTime() - warmupStart) / 1e9, ITERATIONS);

    Map<String, long[]> samples = new LinkedHashMap<>();
    variants.keySet().forEach(name -> samples.put(name, new long[ITERATIONS]));
    List<String> names = new ArrayList<>(variants.keySet());
    for (int round = 0; round < ITERATIONS; round++) {
      // Rotate the starting variant so no variant always runs right after the same one.
      for (int k = 0; k < names.size(); k++) {
        String name = names.get((round + k) % names.size());
        long start = System.nanoTime();
        sink = variants.get(name).get();
        samples.get(name)[round] = System.nanoTime() - start;
      }
    }

    double baseline = median(samples.get(names.get(0)));
    System.out.printf("%-28s %10s %10s %10s%n", "variant", "median ms", "p90 ms", "x baseline");
    for (String name : names) {
      long[] s = samples.get(name);
      System.out.printf(
          "%-28s %10.2f %10.2f %10.1f%n",
          name, median(s) / 1e6, p90(s) / 1e6, median(s) / baseline);
    }
    System.out.printf(
        "%ncompile %d steps: median %.1f ms (target < 200 ms)%n",
        STEPS, median(samples.get(names.get(names.size() - 1))) / 1e6);

    BenchResults results = new BenchResults("compile");
    String task = "compile " + STEPS + "-step runbook";
    for (String name : names) {
      results.add(
          task,
          name,
          "median ms",
          median(samples.get(name)) / 1e6,
          baseline / 1e6,
          name.equals(names.get(names.size() - 1)) ? "< 200 ms" : "");
    }
    results.write();
  }

  static Validation<ValidatedRunbook> validate(YamlLoader loader, String text) {
    LoadedDocument document = loader.load(FILE, text).document().orElseThrow();
    return RunbookValidator.validate(document);
  }

  static PlanCompiler.Result compile(
      YamlLoader loader, String text, Map<String, ValidatedEnvironment> envs) {
    Validation<ValidatedRunbook> runbook = validate(loader, text);
    if (runbook.value().isEmpty()) {
      return new PlanCompiler.Result(java.util.Optional.empty(), runbook.diagnostics());
    }
    return PlanCompiler.compile(
        runbook.value().get(), envs, "local", Map.of("database", "platform"));
  }

  /** The environments of {@code runbooks/environments}; any problem with them is fatal. */
  static Map<String, ValidatedEnvironment> environments(Path root) {
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(root.resolve("runbooks").resolve("environments"), problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("environment files have problems: " + problems);
    }
    return envs;
  }

  /** {@code -Drunbook.root}, else the nearest directory up holding runbooks/ and schemas/. */
  static Path repositoryRoot() {
    String property = System.getProperty("runbook.root");
    if (property != null) {
      return Path.of(property).toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("runbooks")) && Files.isDirectory(dir.resolve("schemas"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root from "
            + Path.of("").toAbsolutePath()
            + "; pass -Drunbook.root=DIR");
  }

  private static double median(long[] samples) {
    return percentile(samples, 0.5);
  }

  private static double p90(long[] samples) {
    return percentile(samples, 0.9);
  }

  /** Nearest-rank percentile. */
  private static double percentile(long[] samples, double p) {
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
