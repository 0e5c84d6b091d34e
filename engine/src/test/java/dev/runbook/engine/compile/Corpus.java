package dev.runbook.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.YamlLoader;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Helpers of the broken-input corpus: run a runbook, environment file or launch through the engine
 * and compare the whole list of formatted diagnostics with the expected one, after checking that
 * each expected {@code line:col} points at the offending token of the inline text.
 */
final class Corpus {
  static final String RUNBOOK_FILE = "rb.yaml";

  private static final Pattern POSITIONED = Pattern.compile("^[^:]+:(\\d+):(\\d+): ");

  private Corpus() {}

  /**
   * One expected diagnostic, as {@link Diagnostic#format()} prints it.
   *
   * @param token the text found at its {@code line:col} (null for launch-flag diagnostics, which
   *     have no position)
   */
  record Expected(String token, String diagnostic) {}

  /** A diagnostic whose position must point at {@code token} in the inline text. */
  static Expected at(String token, String diagnostic) {
    return new Expected(token, diagnostic);
  }

  /** A launch-flag diagnostic ({@code file: param: -p name: message}), which has no position. */
  static Expected flag(String diagnostic) {
    return new Expected(null, diagnostic);
  }

  /** Loads and validates a runbook; syntax problems when it does not load. */
  static List<Diagnostic> validateRunbook(String text) {
    YamlLoader.Result loaded = new YamlLoader().load(RUNBOOK_FILE, text);
    if (loaded.document().isEmpty()) {
      return loaded.diagnostics().sorted();
    }
    return RunbookValidator.validate(loaded.document().get()).diagnostics();
  }

  /** Loads and validates {@code <name>.yaml}, expected to describe environment {@code name}. */
  static List<Diagnostic> validateEnvironment(String name, String text) {
    YamlLoader.Result loaded = new YamlLoader().load(name + ".yaml", text);
    if (loaded.document().isEmpty()) {
      return loaded.diagnostics().sorted();
    }
    return EnvironmentValidator.validate(loaded.document().get(), name).diagnostics();
  }

  static void assertRunbook(String text, Expected... expected) {
    assertDiagnostics(text, validateRunbook(text), expected);
  }

  static void assertEnvironment(String name, String text, Expected... expected) {
    assertDiagnostics(text, validateEnvironment(name, text), expected);
  }

  /** A runbook that must pass validation, for the compile-time cases. */
  static ValidatedRunbook validRunbook(String text) {
    return RunbookValidator.validate(document(RUNBOOK_FILE, text))
        .value()
        .orElseThrow(() -> new AssertionError("runbook should be valid: " + validateRunbook(text)));
  }

  /** An environment file that must pass validation, for the compile-time cases. */
  static ValidatedEnvironment validEnvironment(String name, String text) {
    return EnvironmentValidator.validate(document(name + ".yaml", text), name)
        .value()
        .orElseThrow(
            () ->
                new AssertionError(
                    "environment should be valid: " + validateEnvironment(name, text)));
  }

  /** Compiles a valid runbook for {@code target} with {@code -p} values and compares the list. */
  static void assertCompile(
      String runbook,
      Map<String, ValidatedEnvironment> environments,
      String target,
      Map<String, String> params,
      Expected... expected) {
    PlanCompiler.Result result =
        PlanCompiler.compile(validRunbook(runbook), environments, target, params);
    assertDiagnostics(runbook, result.diagnostics(), expected);
    assertEquals(expected.length == 0, result.plan().isPresent(), "a plan only without problems");
  }

  private static LoadedDocument document(String file, String text) {
    YamlLoader.Result loaded = new YamlLoader().load(file, text);
    return loaded
        .document()
        .orElseThrow(() -> new AssertionError("should load: " + loaded.diagnostics().sorted()));
  }

  /**
   * The whole list must be equal (a new spurious diagnostic fails), and every expected position
   * must point into the text at its token.
   */
  static void assertDiagnostics(String text, List<Diagnostic> actual, Expected... expected) {
    for (Expected e : expected) {
      checkPosition(text, e);
    }
    assertEquals(
        Arrays.stream(expected).map(Expected::diagnostic).collect(Collectors.joining("\n")),
        actual.stream().map(Diagnostic::format).collect(Collectors.joining("\n")));
  }

  private static void checkPosition(String text, Expected e) {
    Matcher m = POSITIONED.matcher(e.diagnostic());
    if (e.token() == null) {
      assertTrue(!m.find(), "a launch-flag diagnostic has no position: " + e.diagnostic());
      return;
    }
    if (!m.find()) {
      fail("expected a file:line:col diagnostic: " + e.diagnostic());
    }
    int line = Integer.parseInt(m.group(1));
    int column = Integer.parseInt(m.group(2));
    String[] lines = text.split("\n", -1);
    if (line < 1 || line > lines.length || column < 1 || column > lines[line - 1].length() + 1) {
      fail(line + ":" + column + " is outside the text, for: " + e.diagnostic());
    }
    String rest = lines[line - 1].substring(column - 1);
    if (!rest.startsWith(e.token())) {
      fail(
          line
              + ":"
              + column
              + " should point at '"
              + e.token()
              + "' but points at '"
              + rest
              + "'\n"
              + lines[line - 1]
              + "\n"
              + " ".repeat(column - 1)
              + "^");
    }
  }
}
