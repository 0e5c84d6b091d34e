package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code ./runbook} command line the README shows parses as the CLI reads it: the command and
 * its subcommand exist, every flag is one the command takes, with a value of the right type. The
 * tour's commands also run for real ({@link ReadmeTourTest}); this catches the reference sections
 * drifting from the code. Placeholders the README uses ({@code ...}, {@code [optional]}) are read
 * the way a person would: {@code ...} dropped, optional parts taken.
 */
class ReadmeCommandsTest {

  @Test
  void everyCommandTheReadmeShowsParses() throws IOException {
    List<String> lines = commandLines(Files.readString(Cli.root().resolve("README.md")));
    assertTrue(lines.size() >= 30, "README.md shows " + lines.size() + " runbook commands");
    List<String> problems = new ArrayList<>();
    for (String line : lines) {
      List<String> args = arguments(line);
      try {
        Main.commandLine().parseArgs(args.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        problems.add(line + "\n    -> " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      fail("README commands the CLI refuses:\n" + String.join("\n", problems));
    }
  }

  @Test
  void aCommandWithAFlagTheCliLacksIsCaught() {
    List<String> args = arguments("./runbook status RUN --colour always   # a flag no command has");
    try {
      Main.commandLine().parseArgs(args.toArray(String[]::new));
      fail("parsed " + args);
    } catch (CommandLine.ParameterException expected) {
      assertTrue(expected.getMessage().contains("--colour"), expected.getMessage());
    }
  }

  /** The {@code ./runbook ...} lines of the README's bash blocks, continuation lines joined. */
  static List<String> commandLines(String readme) {
    List<String> lines = new ArrayList<>();
    for (String block : ReadmeTourTest.blocks(readme, "bash")) {
      String joined = block.replace("\\\n", " ");
      for (String line : joined.split("\n")) {
        int at = line.indexOf("./runbook ");
        if (at >= 0 && !line.stripLeading().startsWith("#")) {
          lines.add(line.substring(at));
        }
      }
    }
    return lines;
  }

  /** The words after {@code ./runbook}: comments, redirections and placeholders taken out. */
  static List<String> arguments(String line) {
    String text = line.substring("./runbook ".length());
    text = text.replaceAll("\\s+#.*$", "").replaceAll("\\s+>\\s+\\S+.*$", "");
    text = text.replace("[", "").replace("]", "").replaceAll("\\)\\s*$", ""); // <(./runbook ...)
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean inWord = false;
    for (char c : text.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
        inWord = true;
      } else if (Character.isWhitespace(c) && !quoted) {
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
    if (inWord) {
      words.add(word.toString());
    }
    List<String> args = new ArrayList<>();
    for (String w : words) {
      if (w.equals("...")) {
        if (!args.isEmpty() && args.get(args.size() - 1).equals("-p")) {
          args.remove(args.size() - 1); // "-p ...": the params
        } else {
          args.addAll(List.of("runbooks/demo.yaml", "--env", "local")); // "plan ...": what to plan
        }
      } else {
        args.add(w);
      }
    }
    return args;
  }
}
