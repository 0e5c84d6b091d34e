package dev.runbook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runbook schema}: the JSON Schema the engine validates with, for editors and tools. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = {
      "Print the JSON Schema of runbooks or environment files.",
      "%nThe JSON Schema (2020-12) the engine validates with; editors with yaml-language-server"
          + " use it for completion and checks. Add --environment for environment files."
    })
final class SchemaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--environment", description = "Print the environment file schema instead.")
  boolean environment;

  @Override
  public Integer call() throws IOException {
    String name = environment ? "environment.schema.json" : "runbook.schema.json";
    try (InputStream in = SchemaCommand.class.getResourceAsStream("/schemas/" + name)) {
      if (in == null) {
        throw new CliException(ExitCode.INTERNAL, "schema " + name + " is missing from this build");
      }
      spec.commandLine().getOut().print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      spec.commandLine().getOut().flush();
    }
    return ExitCode.OK.code();
  }
}
