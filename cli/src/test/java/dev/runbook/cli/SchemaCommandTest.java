package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code runbook schema}: the very schema files of the repository, byte for byte. */
class SchemaCommandTest {
  @Test
  void schemaPrintsTheRunbookSchemaFile() {
    String expected = Cli.read(Cli.root().resolve("schemas/runbook.schema.json"));

    assertEquals(new Cli.Result(0, expected, ""), Cli.run("schema"));
  }

  @Test
  void schemaEnvironmentPrintsTheEnvironmentSchemaFile() {
    String expected = Cli.read(Cli.root().resolve("schemas/environment.schema.json"));

    assertEquals(new Cli.Result(0, expected, ""), Cli.run("schema", "--environment"));
  }

  @Test
  void schemaTakesNoArguments() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            """
            runbook: Unmatched argument at index 1: 'runbook'
            Try 'runbook schema --help' for usage.
            """),
        Cli.run("schema", "runbook"));
  }
}
