package dev.runbook.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One case of the bad-input corpus ({@code src/test/resources/bad-input/**}/*.case): a header of
 * {@code key: value} lines, then the files it needs, each after a {@code === path} line.
 *
 * <ul>
 *   <li>{@code kind:} {@code runbook} (rb.yaml through validate, plan and run), {@code environment}
 *       (a file under environments/ through validate, plan and run), {@code launch} (plan and run
 *       with {@code env:} and {@code param:} lines) or {@code cli} (the {@code arg:} lines, one
 *       argument each, with {@code {dir}}, {@code {repo}}, {@code {address}} and {@code {dead}}
 *       replaced).
 *   <li>{@code commands:} which of validate, plan and run a runbook or environment case goes
 *       through (default: all three).
 *   <li>{@code expect:} one expected line each: a diagnostic with the case directory's path
 *       removed, or for {@code cli} a line of stderr.
 * </ul>
 *
 * Every case must exit with 2. The expected lines sit next to the input so a reader sees both.
 */
record BadInputCase(
    String name,
    String kind,
    String env,
    List<String> commands,
    List<String> params,
    List<String> args,
    List<String> expect,
    Map<String, String> files) {

  static BadInputCase parse(String name, String text) {
    String kind = null;
    String env = null;
    List<String> commands = List.of("validate", "plan", "run");
    List<String> params = new ArrayList<>();
    List<String> args = new ArrayList<>();
    List<String> expect = new ArrayList<>();
    Map<String, String> files = new LinkedHashMap<>();
    String file = null;
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("=== ")) {
        if (file != null) {
          files.put(file, body.toString());
        }
        file = line.substring(4).trim();
        body.setLength(0);
      } else if (file != null) {
        body.append(line).append('\n');
      } else if (line.startsWith("#") || line.isBlank()) {
        continue;
      } else {
        int colon = line.indexOf(": ");
        String key = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 2);
        switch (key) {
          case "kind" -> kind = value;
          case "env" -> env = value;
          case "commands" -> commands = List.of(value.split(" "));
          case "param" -> params.add(value.replace("\\n", "\n"));
          case "arg" -> args.add(value);
          case "expect" -> expect.add(value);
          default -> throw new IllegalArgumentException(name + ": unknown header '" + line + "'");
        }
      }
    }
    if (file != null) {
      // The split leaves one empty piece after the file's last newline: drop what it added.
      files.put(file, body.substring(0, Math.max(0, body.length() - 1)));
    }
    if (kind == null || expect.isEmpty()) {
      throw new IllegalArgumentException(name + ": needs kind: and at least one expect:");
    }
    return new BadInputCase(name, kind, env, commands, params, args, expect, files);
  }

  static BadInputCase read(Path root, Path file) {
    try {
      String name = root.relativize(file).toString().replaceFirst("\\.case$", "");
      return parse(name, Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean through(String command) {
    return commands.contains(command);
  }

  /** Writes the case's files under {@code dir}. */
  void materialize(Path dir) {
    files.forEach((path, content) -> Cli.write(dir.resolve(path), content));
  }

  /** The environment file of an {@code environment} case. */
  String environmentFile() {
    return files.keySet().stream()
        .filter(f -> f.startsWith("environments/"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(name + ": no environments/ file"));
  }
}
