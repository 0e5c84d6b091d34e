package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook validate}: every problem of every file, one per line, then a summary. */
class ValidateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Five problems of four categories, at known places. */
  private static final String BROKEN =
      """
      apiVersion: runbook/v1
      kind: Runbook
      metadata:
        name: broken
        version: 1
      params:
        ticket: { type: string, required: true }
      environments: [local]
      steps:
        - id: fix
          uses: sql.change
          with:
            database: platform
            statements: ["UPDATE invoices SET status = 'void'"]
        - id: check
          uses: sql.query
          with:
            database: platform
            query: "SELECT * FROM invoices WHERE id = ${{ steps.later.outputs.rows }}"
        - id: fix
          uses: notify
          with:
            text: "${{ params.tikcet }}"
      """;

  @TempDir Path dir;

  @Test
  void theRepositoryRunbooksAreCleanAndTheSummaryCountsEveryFile() {
    Path runbooks = Cli.runbooks();
    int files = Workspace.yamlFiles(runbooks, true).size();

    Cli.Result result = Cli.run("validate", runbooks.toString());

    assertEquals(new Cli.Result(0, "checked " + files + " file(s): no problems\n", ""), result);
  }

  @Test
  void aDirectoryWithOneCleanAndOneBrokenRunbookListsEveryProblemAndExits2() {
    Cli.copy(Cli.runbooks().resolve("snapshot.yaml"), dir.resolve("clean.yaml"));
    Cli.write(dir.resolve("broken.yaml"), BROKEN);

    Cli.Result result = Cli.run("validate", dir.toString());

    String expected =
        """
        {dir}/broken.yaml:14:20: sql: $.steps[0].with.statements[0]: UPDATE without WHERE would change every row of invoices
        {dir}/broken.yaml:19:49: expression: $.steps[1].with.query: unknown step 'later'
        {dir}/broken.yaml:19:49: sql: $.steps[1].with.query: expression spliced into SQL text: write :name in the SQL and pass the value in bind
        {dir}/broken.yaml:20:9: semantic: $.steps[2].id: duplicate step id 'fix' (first used on line 10)
        {dir}/broken.yaml:23:14: expression: $.steps[2].with.text: unknown param 'tikcet' (did you mean 'ticket'?)
        checked 2 file(s): 5 problem(s)
        """
            .replace("{dir}", dir.toString());
    assertEquals(new Cli.Result(2, expected, ""), result);
  }

  @Test
  void formatJsonReportsTheSameProblemsAsObjects() throws IOException {
    Cli.copy(Cli.runbooks().resolve("snapshot.yaml"), dir.resolve("clean.yaml"));
    Cli.write(dir.resolve("broken.yaml"), BROKEN);

    Cli.Result result = Cli.run("validate", dir.toString(), "--format", "json");

    String expected =
        """
        {
          "files": 2,
          "ok": false,
          "diagnostics": [
            {"file": "{file}", "line": 14, "column": 20, "category": "sql",
             "path": "$.steps[0].with.statements[0]",
             "message": "UPDATE without WHERE would change every row of invoices"},
            {"file": "{file}", "line": 19, "column": 49, "category": "expression",
             "path": "$.steps[1].with.query", "message": "unknown step 'later'"},
            {"file": "{file}", "line": 19, "column": 49, "category": "sql",
             "path": "$.steps[1].with.query",
             "message": "expression spliced into SQL text: write :name in the SQL and pass the value in bind"},
            {"file": "{file}", "line": 20, "column": 9, "category": "semantic",
             "path": "$.steps[2].id", "message": "duplicate step id 'fix' (first used on line 10)"},
            {"file": "{file}", "line": 23, "column": 14, "category": "expression",
             "path": "$.steps[2].with.text",
             "message": "unknown param 'tikcet' (did you mean 'ticket'?)"}
          ]
        }
        """
            .replace("{file}", dir.resolve("broken.yaml").toString());
    assertEquals(2, result.exitCode());
    assertEquals("", result.err());
    assertEquals(JSON.readTree(expected), JSON.readTree(result.out()));
  }

  @Test
  void formatJsonOnCleanRunbooksSaysOkWithNoDiagnostics() throws IOException {
    Cli.Result result = Cli.run("validate", Cli.emergencyDataFix().toString(), "--format", "json");

    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    JsonNode expected = JSON.readTree("{\"files\": 1, \"ok\": true, \"diagnostics\": []}");
    assertEquals(expected, JSON.readTree(result.out()));
  }

  @Test
  void aMissingPathIsOneLineOnStderrAndExit2() {
    Path missing = dir.resolve("nope.yaml");

    Cli.Result result = Cli.run("validate", missing.toString());

    assertEquals(
        new Cli.Result(2, "", "runbook: " + missing + ": no such file or directory\n"), result);
  }

  @Test
  void aDirectoryWithoutYamlFilesIsAnError() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Cli.write(empty.resolve("notes.txt"), "not a runbook\n");

    Cli.Result result = Cli.run("validate", empty.toString());

    assertEquals(
        new Cli.Result(2, "", "runbook: " + empty + ": no .yaml files in this directory\n"),
        result);
  }

  @Test
  void aFileWithKindEnvironmentIsCheckedAsAnEnvironment() {
    Path local =
        Cli.copy(Cli.runbooks().resolve("environments/local.yaml"), dir.resolve("local.yaml"));

    assertEquals(
        new Cli.Result(0, "checked 1 file(s): no problems\n", ""),
        Cli.run("validate", local.toString()));
  }

  @Test
  void anEnvironmentFileGetsEnvironmentSchemaAndNamingProblems() {
    Path qa =
        Cli.write(
            dir.resolve("qa.yaml"),
            """
            apiVersion: runbook/v1
            kind: Environment
            metadata:
              name: quality
            provider: local
            databases:
              platform:
                engine: postgresql
                endpoint: 127.0.0.1
                port: 5432
                database: platform
                secretId: local/platform
                via: direct
            """);

    Cli.Result result = Cli.run("validate", qa.toString());

    String expected =
        """
        {qa}:1:1: schema: $: missing required key 'taskQueue'
        {qa}:4:9: semantic: $.metadata.name: environment 'quality' must be in a file named quality.yaml, not qa.yaml
        checked 1 file(s): 2 problem(s)
        """
            .replace("{qa}", qa.toString());
    assertEquals(new Cli.Result(2, expected, ""), result);
  }

  @Test
  void aFileThatIsNotUtf8IsOneSyntaxProblemWithoutPosition() throws IOException {
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(
        latin1,
        "metadata:\n  name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    Cli.Result result = Cli.run("validate", latin1.toString());

    String expected =
        latin1 + ": syntax: $: file is not UTF-8 text\n" + "checked 1 file(s): 1 problem(s)\n";
    assertEquals(new Cli.Result(2, expected, ""), result);
  }

  @Test
  void filesAndDirectoriesCanBeMixedAndEveryFileIsCounted() {
    Path runbook =
        Cli.copy(Cli.runbooks().resolve("snapshot.yaml"), dir.resolve("a/snapshot.yaml"));
    Cli.copy(Cli.runbooks().resolve("emergency-data-fix.yaml"), dir.resolve("b/fix.yaml"));
    Cli.copy(Cli.runbooks().resolve("environments/stage.yaml"), dir.resolve("b/nested/stage.yaml"));

    Cli.Result result = Cli.run("validate", runbook.toString(), dir.resolve("b").toString());

    assertEquals(new Cli.Result(0, "checked 3 file(s): no problems\n", ""), result);
  }

  @Test
  void planRefusesADirectoryGivenAsFileWithExit2AndNothingOnStdout() {
    Cli.Result result = Cli.run("plan", Cli.runbooks().toString(), "--env", "local");

    assertEquals(2, result.exitCode());
    assertEquals("", result.out());
  }
}
