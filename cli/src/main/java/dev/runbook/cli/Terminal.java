package dev.runbook.cli;

import java.io.Console;
import java.util.Map;

/**
 * Whether output goes to a person at a terminal: only then do long waits redraw one progress line
 * and do words get colours, and colours only without {@code NO_COLOR} (https://no-color.org) and
 * with a {@code TERM} other than {@code dumb}. Pipes, files and tests get plain lines.
 */
record Terminal(boolean interactive, boolean color) {
  static final Terminal NONE = new Terminal(false, false);

  private static final String RESET = "\u001b[0m";

  /** The process's own stdout, judged from its console and environment. */
  static Terminal detect(Map<String, String> env) {
    return of(isTerminal(), env);
  }

  static Terminal of(boolean interactive, Map<String, String> env) {
    String noColor = env.get("NO_COLOR");
    boolean color =
        interactive
            && (noColor == null || noColor.isEmpty())
            && !"dumb".equals(env.getOrDefault("TERM", ""));
    return new Terminal(interactive, color);
  }

  /** {@code text} in green, when colours are on. */
  String good(String text) {
    return paint("\u001b[32m", text);
  }

  /** {@code text} in red, when colours are on. */
  String bad(String text) {
    return paint("\u001b[31m", text);
  }

  /** {@code text} in yellow, when colours are on. */
  String waiting(String text) {
    return paint("\u001b[33m", text);
  }

  private String paint(String code, String text) {
    return color ? code + text + RESET : text;
  }

  /**
   * System.console() is null when stdin or stdout is redirected up to JDK 21; from JDK 22 it may
   * exist anyway and {@code isTerminal()} (looked up, as the code compiles for 21) tells.
   */
  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }
}
