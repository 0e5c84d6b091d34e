package dev.runbook.worker.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.worker.sql.JdbcSqlActivities;
import dev.runbook.worker.sql.SqlSettings;
import dev.runbook.worker.ssh.JumpHostServer;
import dev.runbook.worker.ssh.SshFixture;
import dev.runbook.worker.ssh.TunnelPool;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The jump host (embedded MINA SSHD) stopped in the middle of a run: the step after it fails as a
 * retryable TRANSIENT failure, and once the host is back on its port a retry within the step's
 * default retry policy goes through a new tunnel.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JumpHostStopTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static StepRequest query(String sql) {
    ObjectNode with = JSON.createObjectNode();
    with.put("database", "platform");
    with.put("query", sql);
    return new StepRequest(
        "run-1", "rb", "stage", "q", "sql.query", with, "h", "alice", "run-1/stage/q");
  }

  @Test
  void aStoppedJumpHostIsATransientFailureAndTheRetryWorksOnceItIsBack() throws Exception {
    try (SshFixture fixture = SshFixture.start()) {
      EnvironmentSpec env = fixture.spec(fixture.environment(fixture.pinned()));
      try (TunnelPool pool =
              fixture.pool(env, TunnelPool.Settings.defaults().withIdle(Duration.ofMinutes(5)));
          JdbcSqlActivities sql =
              new JdbcSqlActivities(fixture.targets(env, pool), SqlSettings.defaults())) {
        assertEquals("[[1]]", sql.query(query("SELECT 1")).outputs().path("rows").toString());
        int port = fixture.jump.port();

        fixture.jump.close(); // the jump host goes away mid-run

        ApplicationFailure failure =
            assertThrows(ApplicationFailure.class, () -> sql.query(query("SELECT 2")));
        assertEquals("TRANSIENT", failure.getType(), failure.getOriginalMessage());
        assertFalse(failure.isNonRetryable());
        try (JumpHostServer back = JumpHostServer.start(fixture.dir, fixture.userKey, port)) {
          // as Temporal would: the step's remaining attempts of its default retry policy (3 in
          // all); a pooled connection of the dead tunnel may still cost one of them
          List<String> attempts = new ArrayList<>();
          String rows = null;
          for (int attempt = 2; attempt <= 3 && rows == null; attempt++) {
            try {
              rows = sql.query(query("SELECT 3")).outputs().path("rows").toString();
            } catch (ApplicationFailure again) {
              assertEquals("TRANSIENT", again.getType(), again.getOriginalMessage());
              attempts.add(again.getOriginalMessage());
            }
          }
          assertEquals("[[3]]", rows, "failed attempts: " + attempts);
        }
      }
    }
  }
}
