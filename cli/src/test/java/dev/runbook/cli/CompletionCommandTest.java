package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code runbook completion}: a bash (default) or zsh completion script on stdout. */
class CompletionCommandTest {
  @Test
  void completionWithoutShellPrintsABashScriptCompletingEverySubcommand() {
    Cli.Result result = Cli.run("completion");

    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    assertTrue(result.out().startsWith("#!/usr/bin/env bash\n"), result.out());
    for (String command : new String[] {"validate", "plan", "schema", "completion", "help"}) {
      assertTrue(result.out().contains(command), command);
    }
    assertTrue(result.out().contains("complete -F _complete_runbook"), result.out());
  }

  @Test
  void completionBashIsTheDefault() {
    assertEquals(Cli.run("completion"), Cli.run("completion", "bash"));
  }

  @Test
  void completionZshIsTheBashScriptBehindTheCompinitLines() {
    Cli.Result zsh = Cli.run("completion", "zsh");

    assertEquals(0, zsh.exitCode());
    assertEquals("", zsh.err());
    String prelude =
        """
        autoload -U +X compinit && compinit
        autoload -U +X bashcompinit && bashcompinit
        """;
    assertEquals(prelude + Cli.run("completion", "bash").out(), zsh.out());
  }

  @Test
  void completionFishIsRefusedNamingTheSupportedShells() {
    assertEquals(
        new Cli.Result(2, "", "runbook: completion: unsupported shell 'fish' (bash or zsh)\n"),
        Cli.run("completion", "fish"));
  }
}
