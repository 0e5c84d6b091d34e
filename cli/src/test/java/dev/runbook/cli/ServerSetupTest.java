package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.testserver.TestServer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server whose namespace is not set up for runbooks: one line, exit 3. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerSetupTest {
  static int port;
  static TestServer.PortBoundTestServer server;

  @BeforeAll
  static void start() {
    port = TemporalFixture.freePort();
    server = TestServer.createPortBoundServer(port); // no search attributes registered
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Cli.Result run(String... args) {
    return Cli.run(
        CliContext.of(Map.of("RUNBOOK_USER", "carol", "TEMPORAL_ADDRESS", "127.0.0.1:" + port)),
        args);
  }

  @Test
  void aNamespaceWithoutTheSearchAttributesSaysHowToRegisterThem() {
    Cli.Result result = run(RunCommandTest.runDemo("DEMO-71", "--detach"));

    assertEquals(
        new Cli.Result(
            3,
            "",
            "runbook: the namespace lacks the runbook search attributes (search attribute"
                + " Environment is not defined); `runbook dev` registers them; on a server of your"
                + " own register them once (`temporal operator search-attribute create`, see"
                + " README.md)\n"),
        result);
  }
}
