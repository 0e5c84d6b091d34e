package dev.runbook.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook completion}: a shell completion script. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script for bash or zsh.",
      "%nFor the current bash shell: source <(runbook completion)",
      "For zsh: runbook completion zsh > ~/.zfunc/_runbook (the script uses bashcompinit)."
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = "bash",
      description = "Shell: bash or zsh (default: ${DEFAULT-VALUE}).")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new CliException(
          ExitCode.INVALID_INPUT, "completion: unsupported shell '" + shell + "' (bash or zsh)");
    }
    String script = AutoComplete.bash("runbook", spec.root().commandLine());
    var out = spec.commandLine().getOut();
    if (shell.equals("zsh")) {
      out.println("autoload -U +X compinit && compinit");
      out.println("autoload -U +X bashcompinit && bashcompinit");
    }
    out.print(script);
    out.flush();
    return ExitCode.OK.code();
  }
}
