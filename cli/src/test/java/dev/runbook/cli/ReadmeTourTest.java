package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "A 10-minute tour", as written: its runbook (the yaml block) and every command of
 * its bash blocks, in order, in-process against {@code runbook dev} (Temporal's test server, the
 * workers and the embedded PostgreSQL, on free ports). Paths under {@code runbooks/} are taken in a
 * copy of the repository's runbooks/environments, so the tour's file never lands in the tree.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReadmeTourTest {
  private static final String SECTION = "## A 10-minute tour";

  @TempDir Path dir;

  /** One command line of the tour: its variables and the words after {@code ./runbook}. */
  record Command(Map<String, String> env, List<String> args) {}

  /** The tour section of README.md. */
  static String tour() throws IOException {
    String readme = Files.readString(Cli.root().resolve("README.md"));
    int start = readme.indexOf(SECTION);
    assertTrue(start >= 0, "README.md has no section " + SECTION);
    int end = readme.indexOf("\n## ", start + SECTION.length());
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** The contents of the tour's fenced blocks of {@code language}, in order. */
  static List<String> blocks(String text, String language) {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("(?ms)^```" + language + "\n(.*?)^```$").matcher(text);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** Every command line of the tour's bash blocks, comments dropped. */
  static List<Command> commands(String tour) {
    List<Command> commands = new ArrayList<>();
    for (String block : blocks(tour, "bash")) {
      for (String line : block.lines().toList()) {
        String code = line.replaceAll("\\s+#.*$", "").strip();
        if (code.isEmpty()) {
          continue;
        }
        List<String> words = words(code);
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        while (words.get(i).matches("[A-Z_]+=.*")) {
          String word = words.get(i++);
          env.put(word.substring(0, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
        }
        assertEquals("./runbook", words.get(i), "a tour command that is not ./runbook: " + line);
        commands.add(new Command(env, words.subList(i + 1, words.size())));
      }
    }
    return commands;
  }

  /** Splits a shell line into words: spaces separate, '...' and "..." quote. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    assertEquals(0, quote, "unbalanced quote in: " + line);
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  @Test
  void theTourRunsAsWrittenOnRunbookDev() throws Exception {
    String tour = tour();
    List<Command> commands = commands(tour);
    assertEquals(List.of("dev"), commands.get(0).args(), "the tour starts with ./runbook dev");

    // the runbook of the tour, where its commands look for it, beside a copy of the environments
    Path runbooks = Files.createDirectories(dir.resolve("runbooks"));
    Path environments = Files.createDirectories(runbooks.resolve("environments"));
    try (var files = Files.list(Cli.runbooks().resolve("environments"))) {
      for (Path file : files.toList()) {
        Files.copy(file, environments.resolve(file.getFileName()));
      }
    }
    List<String> yaml = blocks(tour, "yaml");
    assertEquals(1, yaml.size(), "the tour has one runbook");
    assertTrue(tour.contains("Save this as `runbooks/hello.yaml`"), tour);
    Files.writeString(runbooks.resolve("hello.yaml"), yaml.get(0));

    int port = TemporalFixture.freePort();
    TemporalFixture.Background dev =
        TemporalFixture.Background.start(
            CliContext.of(Map.of()),
            "dev",
            "--port",
            String.valueOf(port),
            "--pg-port",
            "0",
            "--environments",
            environments.toString());
    try {
      String banner =
          dev.awaitOutput(
              o -> o.contains("ready; Ctrl-C stops it\n"), "dev's banner", Duration.ofSeconds(120));
      Map<String, String> base = new LinkedHashMap<>();
      base.put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
      String audit =
          banner.lines().filter(l -> l.startsWith("  RUNBOOK_AUDIT_DB_URL=")).findFirst().get();
      for (String pair : audit.strip().split(" ")) {
        base.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      }

      TemporalFixture.Background following = null;
      List<String> ran = new ArrayList<>();
      for (Command command : commands.subList(1, commands.size())) {
        Map<String, String> env = new LinkedHashMap<>(base);
        env.putAll(command.env());
        String[] args =
            command.args().stream()
                .map(a -> a.startsWith("runbooks/") ? dir.resolve(a).toString() : a)
                .toArray(String[]::new);
        CliContext context = CliContext.of(env);
        String name = command.args().get(0);
        ran.add(name);
        if (name.equals("run") && !command.args().contains("--detach")) {
          // it follows the run until it ends: the next commands come from another terminal
          following = TemporalFixture.Background.start(context, args);
          following.awaitOutput("is waiting for approval");
          continue;
        }
        Cli.Result result = Cli.run(context, args);
        assertEquals(0, result.exitCode(), String.join(" ", command.args()) + ": " + result);
        if (name.equals("approve") && following != null) {
          Cli.Result run = following.result();
          assertEquals(0, run.exitCode(), run.toString());
          assertTrue(run.out().contains("gate local/agree approved by bob: go ahead\n"), run.out());
          assertTrue(run.out().contains("local/sessions completed in "), run.out());
          assertTrue(run.out().contains("run hello-local-TOUR-1 COMPLETED after "), run.out());
          following = null;
        }
        check(name, result);
      }
      assertEquals(null, following, "the followed run was never approved");
      assertEquals(List.of("validate", "plan", "run", "approve", "status", "list", "audit"), ran);
    } finally {
      dev.stop();
    }
  }

  /** What each command of the tour must have said. */
  private static void check(String name, Cli.Result result) throws IOException {
    String out = result.out();
    switch (name) {
      case "plan" -> assertTrue(out.contains("Stage 1: local"), out);
      case "status" -> assertTrue(out.contains("status     COMPLETED"), out);
      case "list" -> {
        JsonNode runs = new ObjectMapper().readTree(out);
        JsonNode all = runs.isArray() ? runs : runs.path("runs");
        assertEquals("hello-local-TOUR-1", all.path(0).path("id").asText(), out);
      }
      case "audit" -> {
        assertTrue(out.contains("| Status | **COMPLETED** |"), out);
        assertTrue(out.contains("| local/agree | bob | APPROVE | go ahead | "), out);
      }
      default -> {}
    }
  }
}
