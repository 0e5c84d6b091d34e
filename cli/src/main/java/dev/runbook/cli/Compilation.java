package dev.runbook.cli;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.spec.LoadedDocument;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Compiles a runbook file for an environment, as {@code plan} and {@code run} both do. */
final class Compilation {
  private Compilation() {}

  /**
   * The plan, or every problem printed to {@code err} followed by "{@code command}: N problem(s);
   * nothing was {@code what}" and a {@link CliException} with exit code 2.
   */
  static Plan compile(
      String command,
      String what,
      Path file,
      String env,
      List<String> params,
      Path environmentsDir,
      PrintWriter err) {
    Map<String, String> launch = parseParams(params);
    if (!Files.exists(file)) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          file + ": no such file; `runbook validate` lists the runbooks under runbooks/");
    }
    if (Files.isDirectory(file)) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          file + ": is a directory; " + command + " takes one runbook file");
    }
    List<Diagnostic> problems = new ArrayList<>();
    Validation<LoadedDocument> read = Workspace.read(file);
    if (read.value().isPresent()
        && Workspace.kindOf(read.value().get()) == Workspace.DocumentKind.ENVIRONMENT) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          file + ": is an environment file (kind: Environment), not a runbook");
    }
    Validation<ValidatedRunbook> runbook =
        read.value().isPresent()
            ? RunbookValidator.validate(read.value().get())
            : new Validation<>(Optional.empty(), read.diagnostics());
    problems.addAll(runbook.diagnostics());
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(environmentsDirectory(file, environmentsDir), problems);
    if (problems.isEmpty()) {
      PlanCompiler.Result result =
          PlanCompiler.compile(runbook.value().orElseThrow(), envs, env, launch);
      problems.addAll(result.diagnostics());
      if (result.plan().isPresent()) {
        return result.plan().get();
      }
    }
    problems.sort(Diagnostic.ORDER);
    DiagnosticPrinter.text(err, problems);
    err.println(command + ": " + problems.size() + " problem(s); nothing was " + what);
    err.flush();
    throw new CliException(ExitCode.INVALID_INPUT, null);
  }

  static Map<String, String> parseParams(List<String> params) {
    Map<String, String> launch = new LinkedHashMap<>();
    for (String param : params) {
      int eq = param.indexOf('=');
      if (eq <= 0) {
        throw new CliException(
            ExitCode.INVALID_INPUT,
            "-p " + param + ": expected NAME=VALUE, e.g. -p ticket=OPS-123");
      }
      String name = param.substring(0, eq);
      if (launch.put(name, param.substring(eq + 1)) != null) {
        throw new CliException(ExitCode.INVALID_INPUT, "-p " + name + ": given more than once");
      }
    }
    return launch;
  }

  /**
   * The environments directory: the one given, else {@code environments} beside the runbook, else
   * {@code runbooks/environments} under the current directory.
   */
  static Path environmentsDirectory(Path file, Path given) {
    if (given != null) {
      return given;
    }
    Path parent = file.toAbsolutePath().getParent();
    Path beside =
        file.getParent() == null
            ? Path.of("environments")
            : file.getParent().resolve("environments");
    if (parent != null && Files.isDirectory(beside)) {
      return beside;
    }
    return Path.of("runbooks", "environments");
  }
}
