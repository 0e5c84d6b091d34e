package dev.runbook.worker.sql;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's real test servers ({@link SqlServers}: embedded PostgreSQL as {@code platform},
 * MariaDB as {@code invoicing}, environment {@code local}) for the cli's {@code backups} tests,
 * with an environment directory pointing at them and backups taken through the real SQL steps.
 */
public final class BackupsFixture {
  private static Path environments;

  /** The {@code engineSchema} of every database of environment {@code engine}. */
  public static final String ENGINE_SCHEMA = "rb_cli_engine";

  private BackupsFixture() {}

  /**
   * A directory with {@code local.yaml} (both servers; secrets in {@code ../secrets.yaml}) and
   * {@code other.yaml}: {@code gone} (nothing listens on its port) and {@code nosecret} (its secret
   * is not in the file).
   */
  public static synchronized Path environments() {
    if (environments != null) {
      return environments;
    }
    SqlServers.Db pg = SqlServers.postgres();
    SqlServers.Db maria = SqlServers.mariadb();
    try {
      Path root = Files.createTempDirectory("runbook-backups-");
      Path dir = Files.createDirectories(root.resolve("environments"));
      Files.writeString(
          root.resolve("secrets.yaml"),
          """
          local/platform: { username: %s, password: %s }
          local/invoicing: { username: %s, password: %s }
          """
              .formatted(
                  TextNode.valueOf(pg.user()),
                  TextNode.valueOf(pg.password()),
                  TextNode.valueOf(maria.user()),
                  TextNode.valueOf(maria.password())));
      String common =
          """
          teams:
            db-leads: [alice]
          approvals: { allowSelfApproval: true }
          secrets: { provider: local, file: ../secrets.yaml }
          """;
      Files.writeString(
          dir.resolve("local.yaml"),
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: local }
          provider: local
          rehearsal: true
          taskQueue: runbook-local
          databases:
            platform:
              engine: postgresql
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/platform
            invoicing:
              engine: mariadb
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/invoicing
          """
                  .formatted(pg.port(), maria.port())
              + common);
      Files.writeString(
          dir.resolve("other.yaml"),
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: other }
          provider: local
          rehearsal: true
          taskQueue: runbook-other
          databases:
            gone:
              engine: postgresql
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/platform
            nosecret:
              engine: mariadb
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: other/nosecret
          """
                  .formatted(freePort(), maria.port())
              + common);
      Files.writeString(
          dir.resolve("engine.yaml"),
          """
          apiVersion: runbook/v1
          kind: Environment
          metadata: { name: engine }
          provider: local
          rehearsal: true
          taskQueue: runbook-engine
          databases:
            platform:
              engine: postgresql
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/platform
              engineSchema: %s
            invoicing:
              engine: mariadb
              endpoint: 127.0.0.1
              port: %d
              database: sqltest
              secretId: local/invoicing
              engineSchema: %s
          """
                  .formatted(pg.port(), ENGINE_SCHEMA, maria.port(), ENGINE_SCHEMA)
              + common);
      SqlServers.mariadbServer().createDatabase(ENGINE_SCHEMA, maria.user(), maria.password());
      SqlServers.exec(pg, "CREATE SCHEMA IF NOT EXISTS " + ENGINE_SCHEMA);
      environments = dir;
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The passwords of the runbook users, which no output may contain. */
  public static List<String> passwords() {
    List<String> out = new ArrayList<>();
    SqlServers.all().forEach(db -> out.add(db.password()));
    return out;
  }

  /** {@code sql.backup} of the rows of {@code table} matching {@code where}, as run {@code run}. */
  public static StepResult backup(
      String database, String run, String step, String table, String where) {
    return SqlServers.clean(
        SqlServers.activities()
            .backup(
                SqlServers.request(
                    run,
                    step,
                    "sql.backup",
                    SqlServers.json(
                        "{\"database\": \"%s\", \"table\": \"%s\", \"where\": %s}"
                            .formatted(database, table, TextNode.valueOf(where))),
                    StepRequest.RUN,
                    null)));
  }

  /** {@code sql.change} with {@code backup: true}, applied without a preview. */
  public static StepResult change(String database, String run, String step, String statement) {
    return SqlServers.clean(
        SqlServers.activities()
            .change(
                SqlServers.request(
                    run,
                    step,
                    "sql.change",
                    SqlServers.json(
                        "{\"database\": \"%s\", \"statements\": [%s], \"backup\": true}"
                            .formatted(database, TextNode.valueOf(statement))),
                    StepRequest.RUN,
                    null)));
  }

  public static void exec(String database, String... statements) {
    SqlServers.exec(db(database), statements);
  }

  public static long count(String database, String sql) {
    return SqlServers.count(db(database), sql);
  }

  /** Whether {@code table} exists in the test database. */
  public static boolean exists(String database, String table) {
    return count(
            database,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                + table
                + "' AND table_schema = "
                + (database.equals("platform") ? "current_schema()" : "DATABASE()"))
        == 1;
  }

  /** Sets when the engine recorded {@code backup} as taken (UTC, {@code yyyy-MM-dd HH:mm:ss}). */
  public static void takenAt(String database, String backup, String utc) {
    exec(
        database,
        "UPDATE runbook_backups SET created_at = "
            + (database.equals("platform") ? "TIMESTAMPTZ '" + utc + "+00'" : "'" + utc + "'")
            + " WHERE backup_table = '"
            + backup
            + "'");
  }

  /**
   * Drops every table named like a backup, the engine's records of backups and {@code tables}. The
   * change ledger stays: each test uses run ids of its own.
   */
  public static void reset(String database, String... tables) {
    SqlServers.Db db = db(database);
    List<String> drop = new ArrayList<>(List.of(tables));
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE"
                    + " 'rb\\_bk\\_%' AND table_schema = "
                    + (db.postgres() ? "current_schema()" : "DATABASE()"))) {
      while (r.next()) {
        drop.add(r.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    for (String t : drop) {
      SqlServers.exec(db, "DROP TABLE IF EXISTS " + t);
    }
    SqlServers.exec(
        db,
        "CREATE TABLE IF NOT EXISTS runbook_backups (backup_table varchar(128) NOT NULL PRIMARY"
            + " KEY, source_table varchar(255) NOT NULL, primary_key varchar(1024) NOT NULL,"
            + " run_id varchar(255) NOT NULL, environment varchar(128) NOT NULL, step_id"
            + " varchar(128) NOT NULL, row_count bigint NOT NULL, checksum varchar(128) NOT NULL,"
            + " created_at "
            + (db.postgres() ? "timestamptz" : "datetime(3)")
            + " NOT NULL)",
        "DELETE FROM runbook_backups");
  }

  private static SqlServers.Db db(String database) {
    return database.equals("platform") ? SqlServers.postgres() : SqlServers.mariadb();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
