package dev.runbook.worker.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.worker.exec.ExecPolicy;
import dev.runbook.worker.exec.ProcessExecActivities;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exec} with {@code database}: real psql and mysql clients reach the real servers with the
 * connection built from the secret at the point of use, and never show the password.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExecDatabaseTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;

  private StepResult run(String database, String... argv) throws Exception {
    ProcessExecActivities exec =
        new ProcessExecActivities(
            Map.of(
                SqlServers.ENV,
                new ExecPolicy(
                    new ExecAllowlist(
                        List.of(List.of("psql"), List.of("mysql"), List.of("sh", "-c"))),
                    root)),
            SqlServers.targets(),
            () -> Map.of("PATH", System.getenv("PATH")));
    StepResult result =
        exec.exec(
            new StepRequest(
                "x",
                "tool",
                SqlServers.ENV,
                "run",
                "exec",
                JSON.createObjectNode()
                    .put("database", database)
                    .set("command", JSON.valueToTree(List.of(argv))),
                "sha256:0",
                "carol",
                "x/local/run"));
    for (SqlServers.Db db : SqlServers.all()) {
      assertFalse(result.toString().contains(db.password()), "a password is in " + result);
    }
    return result;
  }

  @Test
  void psqlConnectsWithTheLibpqVariablesOfTheDatabase() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();

    StepResult result =
        run("platform", "psql", "-tA", "-c", "select current_user || '@' || current_database()");

    assertEquals(pg.user() + "@sqltest\n", result.outputs().path("stdout").asText());
  }

  @Test
  void theMysqlClientConnectsWithItsVariables() throws Exception {
    StepResult result =
        run(
            "invoicing",
            "mysql",
            "--batch",
            "--skip-column-names",
            "-e",
            "select 40 + 2",
            "sqltest");

    assertEquals("42\n", result.outputs().path("stdout").asText());
  }

  @Test
  void aProgramPrintingItsConnectionShowsThePasswordMasked() throws Exception {
    SqlServers.Db pg = SqlServers.postgres();

    StepResult result = run("platform", "sh", "-c", "echo \"$PGPASSWORD|$DATABASE_URL\"");

    assertEquals(
        "***|postgresql://" + pg.user() + ":***@127.0.0.1:" + pg.port() + "/sqltest\n",
        result.outputs().path("stdout").asText());
  }
}
