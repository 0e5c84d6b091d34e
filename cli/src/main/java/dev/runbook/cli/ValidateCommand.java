package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.Workspace;
import dev.runbook.engine.diag.Diagnostic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook validate}: every problem of every file, in one pass. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check runbooks and environment files for every problem.",
      "%nChecks YAML syntax, the schema, parameters, expressions, references between steps,"
          + " SQL guards and safety rules, and prints each problem as"
          + " file:line:col: category: path: message. Exit 0 when clean, 2 when not."
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "FILE|DIR",
      arity = "0..*",
      description =
          "Runbook or environment files, or directories searched for *.yaml (default: runbooks).")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = {"--format", "--output"},
      defaultValue = "text",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json is for"
              + " scripts.")
  OutputFormat format;

  @Override
  public Integer call() {
    List<Path> files = files();
    List<Diagnostic> diagnostics = new ArrayList<>();
    for (Path file : files) {
      diagnostics.addAll(Workspace.validate(file));
    }
    diagnostics.sort(Diagnostic.ORDER);
    var out = spec.commandLine().getOut();
    if (format == OutputFormat.json) {
      ObjectNode report = JsonNodeFactory.instance.objectNode();
      report.put("files", files.size());
      report.put("ok", diagnostics.isEmpty());
      report.set("diagnostics", DiagnosticPrinter.json(diagnostics));
      out.println(DiagnosticPrinter.pretty(report));
    } else {
      DiagnosticPrinter.text(out, diagnostics);
      out.println(
          "checked "
              + files.size()
              + " file(s): "
              + (diagnostics.isEmpty() ? "no problems" : diagnostics.size() + " problem(s)"));
    }
    out.flush();
    return diagnostics.isEmpty() ? ExitCode.OK.code() : ExitCode.INVALID_INPUT.code();
  }

  private List<Path> files() {
    List<Path> roots = paths;
    if (roots.isEmpty()) {
      Path defaultDir = Path.of("runbooks");
      if (!Files.isDirectory(defaultDir)) {
        throw new CliException(
            ExitCode.INVALID_INPUT, "validate: give files or directories (no ./runbooks here)");
      }
      roots = List.of(defaultDir);
    }
    Set<Path> seen = new HashSet<>();
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isDirectory(root)) {
        List<Path> found = Workspace.yamlFiles(root, true);
        if (found.isEmpty()) {
          throw new CliException(
              ExitCode.INVALID_INPUT, root + ": no .yaml files in this directory");
        }
        found.stream().filter(f -> seen.add(f.toAbsolutePath().normalize())).forEach(files::add);
      } else if (Files.exists(root)) {
        if (seen.add(root.toAbsolutePath().normalize())) {
          files.add(root);
        }
      } else {
        throw new CliException(ExitCode.INVALID_INPUT, root + ": no such file or directory");
      }
    }
    return files;
  }
}
