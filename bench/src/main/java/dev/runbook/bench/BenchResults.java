package dev.runbook.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures a benchmark hands to {@code bench/run}: one TSV file per benchmark, {@code
 * <name>.tsv} in {@code -Dbench.results} (default {@code bench/target/bench-results} from the
 * repository root, {@code target/bench-results} from the module). Columns: task, variant, unit,
 * value, baseline, ratio (value / baseline), aim. A row for the baseline itself has ratio 1.
 */
final class BenchResults {
  static final String HEADER = "task\tvariant\tunit\tvalue\tbaseline\tratio\taim";

  private final String bench;
  private final List<String> rows = new ArrayList<>();

  BenchResults(String bench) {
    this.bench = bench;
  }

  /** {@code value} measured against {@code baseline} (same unit); {@code aim} may be empty. */
  BenchResults add(
      String task, String variant, String unit, double value, double baseline, String aim) {
    rows.add(
        String.join(
            "\t",
            clean(task),
            clean(variant),
            clean(unit),
            number(value),
            number(baseline),
            baseline == 0 ? "" : String.format(Locale.ROOT, "%.2f", value / baseline),
            clean(aim)));
    return this;
  }

  /** The rows so far, tab-separated, without the header. */
  List<String> rows() {
    return List.copyOf(rows);
  }

  /** Writes the file into {@link #directory()} and says where. */
  Path write() {
    return write(directory());
  }

  Path write(Path dir) {
    Path file = dir.resolve(bench + ".tsv");
    try {
      Files.createDirectories(dir);
      List<String> lines = new ArrayList<>();
      lines.add(HEADER);
      lines.addAll(rows);
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    System.out.println("rows for bench/run: " + file);
    return file;
  }

  static Path directory() {
    String configured = System.getProperty("bench.results");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path fromRoot = Path.of("bench");
    return Files.isDirectory(fromRoot.resolve("src"))
        ? fromRoot.resolve("target").resolve("bench-results")
        : Path.of("target", "bench-results");
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, Math.abs(value) >= 100 ? "%.1f" : "%.3f", value);
  }

  /** Tabs and line breaks would break the columns. */
  private static String clean(String text) {
    return text == null ? "" : text.replaceAll("[\\t\\r\\n]+", " ");
  }
}
