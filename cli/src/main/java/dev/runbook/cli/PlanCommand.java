package dev.runbook.cli;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.PlanCompiler;
import dev.runbook.engine.compile.RunbookValidator;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.compile.ValidatedRunbook;
import dev.runbook.engine.compile.Validation;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import dev.runbook.engine.spec.LoadedDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook plan}: what a run would do, resolved for its environments, with its hash. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Show what a runbook would do in an environment.",
      "%nCompiles the runbook and prints the resolved plan: every stage (earlier environments"
          + " first), step, input, gate and undo, and the plan hash that approvals bind to."
          + " Nothing is started."
    })
final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The runbook file.")
  Path file;

  @Option(
      names = {"-e", "--env"},
      required = true,
      paramLabel = "ENV",
      description =
          "Target environment (e.g. local, stage, prod). Earlier environments of the"
              + " runbook are planned first.")
  String env;

  @Option(
      names = {"-p", "--param"},
      paramLabel = "NAME=VALUE",
      description = "A runbook parameter; repeat for each. Maps are JSON: -p 'bind={\"id\": 42}'.")
  List<String> params = new ArrayList<>();

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description =
          "Directory of environment files (default: the environments directory beside the"
              + " runbook, else runbooks/environments under the current directory).")
  Path environmentsDir;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat format;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    Map<String, String> launch = parseParams();
    if (!Files.exists(file)) {
      throw new CliException(ExitCode.INVALID_INPUT, file + ": no such file");
    }
    if (Files.isDirectory(file)) {
      throw new CliException(
          ExitCode.INVALID_INPUT, file + ": is a directory; plan takes one runbook file");
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
        Workspace.environments(environmentsDirectory(), problems);
    if (problems.isEmpty()) {
      PlanCompiler.Result result =
          PlanCompiler.compile(runbook.value().orElseThrow(), envs, env, launch);
      problems.addAll(result.diagnostics());
      if (result.plan().isPresent()) {
        Plan plan = result.plan().get();
        out.print(
            format == OutputFormat.json ? PlanJson.pretty(plan) + "\n" : PlanText.render(plan));
        out.flush();
        return ExitCode.OK.code();
      }
    }
    problems.sort(Diagnostic.ORDER);
    DiagnosticPrinter.text(err, problems);
    err.println("plan: " + problems.size() + " problem(s); nothing was planned");
    err.flush();
    return ExitCode.INVALID_INPUT.code();
  }

  private Map<String, String> parseParams() {
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

  private Path environmentsDirectory() {
    if (environmentsDir != null) {
      return environmentsDir;
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
