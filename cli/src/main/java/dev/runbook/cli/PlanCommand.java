package dev.runbook.cli;

import dev.runbook.engine.plan.Plan;
import dev.runbook.engine.plan.PlanJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
      names = {"--format", "--output"},
      defaultValue = "text",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json is for"
              + " scripts.")
  OutputFormat format;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    Plan plan =
        Compilation.compile(
            "plan", "planned", file, env, params, environmentsDir, spec.commandLine().getErr());
    out.print(format == OutputFormat.json ? PlanJson.pretty(plan) + "\n" : PlanText.render(plan));
    out.flush();
    return ExitCode.OK.code();
  }
}
