package dev.runbook.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code runbook} in-process and captures what it prints, for exact assertions. */
final class Cli {
  private Cli() {}

  /** What one command did: its exit code and everything it wrote to stdout and stderr. */
  record Result(int exitCode, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs with an injected context (environment variables, stop signal). */
  static Result run(CliContext context, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), context, args);
    return new Result(code, out.toString(), err.toString());
  }

  /** The demo runbook. */
  static Path demo() {
    return runbooks().resolve("demo.yaml");
  }

  /**
   * Output with what changes from run to run replaced: durations by {@code _s}, times by {@code
   * <time>}, the given port by {@code <port>}.
   */
  static String normalize(String text, int port) {
    return text.replaceAll("\\b\\d+\\.\\ds\\b", "_s")
        .replaceAll("\\b\\d+m\\d\\ds\\b", "_s")
        .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ", "<time>")
        .replace("127.0.0.1:" + port, "127.0.0.1:<port>");
  }

  /** The repository root: the nearest directory up from here holding runbooks/ and schemas/. */
  static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("runbooks")) && Files.isDirectory(dir.resolve("schemas"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }

  static Path runbooks() {
    return root().resolve("runbooks");
  }

  static Path emergencyDataFix() {
    return runbooks().resolve("emergency-data-fix.yaml");
  }

  /** The params of the README's main example: every param of emergency-data-fix. */
  static List<String> fixParams() {
    return List.of(
        "-p", "database=platform",
        "-p", "ticket=OPS-1234",
        "-p", "expectRows=1",
        "-p", "change=UPDATE invoices SET status = 'void' WHERE id = :id",
        "-p", "bind={\"id\": 42}",
        "-p", "verify=SELECT status FROM invoices WHERE id = :id");
  }

  /** {@code plan emergency-data-fix.yaml --env ENV} with every param, then {@code extra}. */
  static String[] planFix(String env, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("plan", emergencyDataFix().toString(), "--env", env));
    args.addAll(fixParams());
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path copy(Path from, Path to) {
    try {
      Files.createDirectories(to.getParent());
      return Files.copy(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
