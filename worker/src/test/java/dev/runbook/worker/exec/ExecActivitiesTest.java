package dev.runbook.worker.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.engine.activities.ExecActivities;
import dev.runbook.engine.activities.ExecAllowlist;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code exec} with real processes, inside Temporal's activity test environment. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExecActivitiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path root;
  private TestActivityEnvironment env;
  private ExecActivities exec;

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(root.resolve("tools"));
    ExecPolicy policy =
        new ExecPolicy(
            new ExecAllowlist(
                List.of(
                    List.of("sh", "-c"), List.of("sleep"), List.of("printenv"), List.of("pwd"))),
            root);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new ProcessExecActivities(
            Map.of("stage", policy),
            null,
            () ->
                Map.of(
                    "PATH", System.getenv("PATH"),
                    "AWS_SECRET_ACCESS_KEY", "worker-cloud-credential",
                    "HOME", "/nonexistent")));
    exec = env.newActivityStub(ExecActivities.class);
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private StepResult run(String with) throws Exception {
    return exec.exec(
        new StepRequest(
            "tool-stage-OPS-1",
            "tool",
            "stage",
            "run",
            "exec",
            JSON.readTree(with),
            "sha256:0",
            "carol",
            "tool-stage-OPS-1/stage/run"));
  }

  private ApplicationFailure failure(String with) {
    ActivityFailure failure = assertThrows(ActivityFailure.class, () -> run(with));
    return (ApplicationFailure) failure.getCause();
  }

  private static String text(JsonNode outputs, String field) {
    return outputs.path(field).asText();
  }

  @Test
  void runsTheProgramWithoutAShellAndCapturesBothStreams() throws Exception {
    StepResult result = run("{\"command\": [\"sh\", \"-c\", \"echo hello; echo oops >&2\"]}");

    assertEquals(0, result.outputs().path("exitCode").asInt());
    assertEquals("hello\n", text(result.outputs(), "stdout"));
    assertEquals("oops\n", text(result.outputs(), "stderr"));
    assertFalse(result.outputs().path("truncated").asBoolean());
    assertTrue(
        result.summary().startsWith("[sh, -c, echo hello; echo oops >&2] exited with 0 in "));
  }

  @Test
  void aCommandOffTheWorkersAllowlistIsRefusedWhateverThePlanSays() {
    ApplicationFailure failure = failure("{\"command\": [\"rm\", \"-rf\", \"/tmp/x\"]}");

    assertEquals("GUARD_VIOLATION", failure.getType());
    assertTrue(failure.isNonRetryable());
    assertEquals(
        "exec: [rm, -rf, /tmp/x] is not on the exec allowlist of stage (allowed: [sh, -c], [sleep],"
            + " [printenv], [pwd])",
        failure.getOriginalMessage());
  }

  @Test
  void theWorkdirIsUnderExecRootAndCannotLeaveIt() throws Exception {
    StepResult inside = run("{\"command\": [\"pwd\"], \"workdir\": \"tools\"}");
    ApplicationFailure outside = failure("{\"command\": [\"pwd\"], \"workdir\": \"../..\"}");

    assertEquals(root.resolve("tools").toRealPath() + "\n", text(inside.outputs(), "stdout"));
    assertEquals("GUARD_VIOLATION", outside.getType());
    assertEquals(
        "exec: workdir ../.. leaves the exec.root of stage (" + root + ")",
        outside.getOriginalMessage());
  }

  @Test
  void aFailingExitCodeFailsTheStepWithTheLastLineUnlessDeclaredOk() throws Exception {
    String failing =
        "\"command\": [\"sh\", \"-c\", \"echo step one; echo 'P3009: migration failed' >&2; exit 3\"]";

    ApplicationFailure failure = failure("{" + failing + "}");
    StepResult tolerated = run("{" + failing + ", \"okExitCodes\": [0, 3]}");

    assertEquals("STEP_FAILED", failure.getType());
    assertTrue(
        failure.getOriginalMessage().endsWith("exited with 3: P3009: migration failed"),
        failure.getOriginalMessage());
    assertEquals(3, tolerated.outputs().path("exitCode").asInt());
  }

  @Test
  void aProgramPastItsTimeLimitIsStoppedWithItsChildren() {
    long start = System.nanoTime();
    ApplicationFailure failure =
        failure("{\"command\": [\"sh\", \"-c\", \"sleep 30 & sleep 31\"], \"timeLimit\": \"1s\"}");

    assertEquals("STEP_FAILED", failure.getType());
    assertTrue( // the shell may add its last words ("Terminated") after the message
        failure
            .getOriginalMessage()
            .startsWith(
                "exec: [sh, -c, sleep 30 & sleep 31] did not finish within 1s and was stopped"),
        failure.getOriginalMessage());
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 15);
    assertTrue(
        ProcessHandle.current()
            .descendants()
            .noneMatch(
                p -> p.info().commandLine().orElse("").matches(".*sleep 3[01].*") && p.isAlive()),
        "a sleep outlived the step");
  }

  @Test
  void outputIsBoundedToItsLast64KiB() throws Exception {
    StepResult result =
        run("{\"command\": [\"sh\", \"-c\", \"yes a | head -c 200000; echo END\"]}");
    String stdout = text(result.outputs(), "stdout");
    assertEquals(64 * 1024, stdout.length());
    assertTrue(stdout.endsWith("a\na\nEND\n"), stdout.substring(stdout.length() - 10));
    assertTrue(result.outputs().path("truncated").asBoolean());
  }

  @Test
  void programsSeeAMinimalEnvironmentAndTheStepsVariablesNotTheWorkersCredentials()
      throws Exception {
    StepResult result =
        run("{\"command\": [\"printenv\"], \"env\": {\"PRISMA_HIDE_UPDATE_MESSAGE\": true}}");

    String stdout = text(result.outputs(), "stdout");
    assertTrue(stdout.contains("PRISMA_HIDE_UPDATE_MESSAGE=true\n"), stdout);
    assertTrue(stdout.contains("HOME=/nonexistent\n"), stdout);
    assertFalse(stdout.contains("AWS_SECRET_ACCESS_KEY"), stdout);
  }

  @Test
  void aMissingProgramIsAConfigurationFailure() {
    ExecPolicy any = new ExecPolicy(new ExecAllowlist(List.of(List.of("no-such-tool-4711"))), root);
    ApplicationFailure failure =
        assertThrows(
            ApplicationFailure.class,
            () ->
                new ProcessExecActivities(Map.of("stage", any), null, Map::of)
                    .exec(
                        new StepRequest(
                            "r",
                            "tool",
                            "stage",
                            "run",
                            "exec",
                            JSON.readTree("{\"command\": [\"no-such-tool-4711\"]}"),
                            "sha256:0",
                            "carol",
                            "r/stage/run")));

    assertEquals("CONFIGURATION", failure.getType());
    assertTrue(
        failure.getOriginalMessage().startsWith("exec: cannot start no-such-tool-4711 in " + root),
        failure.getOriginalMessage());
  }
}
