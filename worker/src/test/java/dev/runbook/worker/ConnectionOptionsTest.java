package dev.runbook.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Flags win over Temporal's environment variables, which win over the defaults. */
class ConnectionOptionsTest {
  @Command(name = "probe")
  static final class Probe {
    @Mixin ConnectionOptions connection = new ConnectionOptions();
  }

  private static TemporalTarget target(Map<String, String> env, String... args) {
    Probe probe = new Probe();
    new CommandLine(probe).parseArgs(args);
    return probe.connection.target(env);
  }

  @Test
  void withNothingGivenItIsTheLoopbackDefaultNamespaceAndUserAtHost() {
    TemporalTarget target = target(Map.of("HOSTNAME", "box1"));

    assertEquals("127.0.0.1:7233", target.address());
    assertEquals("default", target.namespace());
    assertEquals(System.getProperty("user.name") + "@box1", target.identity());
    assertEquals(false, target.tls());
  }

  @Test
  void environmentVariablesAreReadByTheirTemporalNames() {
    TemporalTarget target =
        target(
            Map.of(
                "TEMPORAL_ADDRESS", "temporal.internal:7233",
                "TEMPORAL_NAMESPACE", "runbooks",
                "TEMPORAL_TLS_CERT", "c.pem",
                "TEMPORAL_TLS_KEY", "k.pem",
                "TEMPORAL_TLS_CA", "ca.pem",
                "RUNBOOK_USER", "alice"));

    assertEquals(
        new TemporalTarget(
            "temporal.internal:7233",
            "runbooks",
            Path.of("c.pem"),
            Path.of("k.pem"),
            Path.of("ca.pem"),
            "alice"),
        target);
  }

  @Test
  void flagsWinOverTheEnvironment() {
    TemporalTarget target =
        target(
            Map.of("TEMPORAL_ADDRESS", "temporal.internal:7233", "TEMPORAL_NAMESPACE", "x"),
            "--address",
            "127.0.0.1:9999",
            "--namespace",
            "ops");

    assertEquals("127.0.0.1:9999", target.address());
    assertEquals("ops", target.namespace());
  }

  @Test
  void badFlagsAreNamed() {
    assertEquals(
        Optional.of("--address temporal: expected HOST:PORT, e.g. 127.0.0.1:7233"),
        ConnectionOptions.problem(target(Map.of(), "--address", "temporal")));
    assertEquals(
        Optional.of("--tls-cert and --tls-key go together: give both or neither"),
        ConnectionOptions.problem(target(Map.of(), "--tls-key", "k.pem")));
    assertEquals(
        Optional.of("--tls-cert c.pem: no such file"),
        ConnectionOptions.problem(target(Map.of(), "--tls-cert", "c.pem", "--tls-key", "k.pem")));
    assertTrue(ConnectionOptions.problem(target(Map.of())).isEmpty());
  }

  @Test
  void runbookUserWinsAndBlankIsIgnored() {
    assertEquals("bob", Identity.resolve(Map.of("RUNBOOK_USER", " bob ", "HOSTNAME", "h")));
    assertEquals(
        System.getProperty("user.name") + "@h",
        Identity.resolve(Map.of("RUNBOOK_USER", " ", "HOSTNAME", "h")));
  }
}
