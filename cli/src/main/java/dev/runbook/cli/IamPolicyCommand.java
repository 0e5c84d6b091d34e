package dev.runbook.cli;

import dev.runbook.engine.Workspace;
import dev.runbook.engine.compile.ValidatedEnvironment;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.plan.Plan;
import dev.runbook.worker.aws.IamPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook iam-policy}: the IAM policy an environment's worker needs for a runbook. */
@Command(
    name = "iam-policy",
    mixinStandardHelpOptions = true,
    description = {
      "Print the IAM policy a runbook needs in one environment.",
      "%nThe least-privilege policy, as IAM policy JSON. Compiles the runbook like `plan` and prints the AWS actions the"
          + " steps of ENV call (its stage, its undos and, for the target, the finally steps),"
          + " on the resources known from the plan and the environment file: the jump box"
          + " instance and security group, the secrets, the RDS instances, clusters and"
          + " snapshot names. `*` only where AWS does not scope an action to a resource"
          + " (Describe calls). The account comes from aws.roleArn. Attach it to the role the"
          + " worker of ENV runs as. Nothing is started."
    })
final class IamPolicyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The runbook file.")
  Path file;

  @Option(
      names = {"-e", "--env"},
      required = true,
      paramLabel = "ENV",
      description = "The environment whose worker role the policy is for (e.g. stage, prod).")
  String env;

  @Option(
      names = {"-p", "--param"},
      paramLabel = "NAME=VALUE",
      description = "A runbook parameter; repeat for each (as for `plan`).")
  List<String> params = new ArrayList<>();

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description =
          "Directory of environment files (default: the environments directory beside the"
              + " runbook, else runbooks/environments under the current directory).")
  Path environmentsDir;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    Plan plan =
        Compilation.compile("iam-policy", "printed", file, env, params, environmentsDir, err);
    List<Diagnostic> problems = new ArrayList<>();
    Map<String, ValidatedEnvironment> envs =
        Workspace.environments(Compilation.environmentsDirectory(file, environmentsDir), problems);
    ValidatedEnvironment target = envs.get(env);
    if (target == null) {
      throw new CliException(ExitCode.INVALID_INPUT, "--env " + env + ": no such environment");
    }
    if (!"aws".equals(target.spec().provider())) {
      throw new CliException(
          ExitCode.INVALID_INPUT,
          "--env "
              + env
              + ": provider "
              + target.spec().provider()
              + " calls no AWS API, so its worker needs no IAM policy");
    }
    var policy = IamPolicy.of(plan, target.spec());
    if (policy.isEmpty()) {
      err.println("iam-policy: " + file + " calls no AWS API in " + env + "; no policy is needed");
      err.flush();
      return ExitCode.OK.code();
    }
    out.println(IamPolicy.pretty(policy.get()));
    out.flush();
    return ExitCode.OK.code();
  }
}
