package dev.runbook.cli;

import dev.runbook.worker.audit.LocalAuditStore;
import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.local.LocalDatabases;
import dev.runbook.worker.local.LocalPostgres;
import dev.runbook.worker.local.LocalSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's world: an embedded PostgreSQL holding the audit store and two seeded databases that
 * play the {@code platform} database of {@code stage} and {@code prod}, and the environment files
 * saying so (provider local), written beside the server's data in its temporary directory.
 */
record DemoData(Path directory, Path environments, LocalPostgres postgres) {
  static final String HEADER = "id  customer  status  total";

  /** stage and prod: name, PostgreSQL database, secret id. */
  private static final List<LocalDatabases.Database> DATABASES =
      List.of(
          new LocalDatabases.Database("platform", "demo_stage", "demo/stage/platform"),
          new LocalDatabases.Database("platform", "demo_prod", "demo/prod/platform"));

  private static final String TABLE =
      "CREATE TABLE invoices (id bigint PRIMARY KEY, customer text NOT NULL,"
          + " status text NOT NULL, total numeric(10,2) NOT NULL)";

  /** The seed rows; prod also has invoice 5, a second open one of Globex. */
  private static final String ROWS =
      "INSERT INTO invoices VALUES (1, 'ACME', 'open', 120.00), (2, 'ACME', 'open', 80.50),"
          + " (3, 'ACME', 'paid', 99.00), (4, 'Globex', 'open', 42.00)";

  private static final String PROD_ROW = "INSERT INTO invoices VALUES (5, 'Globex', 'open', 17.25)";

  /** PostgreSQL on a free port of 127.0.0.1 with the audit store and the two demo databases. */
  static LocalPostgres startPostgres() {
    return LocalPostgres.start(new LocalPostgres.Options(0, LocalAuditStore.with(DATABASES), null));
  }

  /** Creates and fills the tables, writes the environment files. */
  static DemoData seed(LocalPostgres postgres) {
    DemoData data =
        new DemoData(postgres.directory(), postgres.directory().resolve("environments"), postgres);
    try {
      for (LocalDatabases.Database database : DATABASES) {
        try (Connection c = data.connect(database);
            Statement s = c.createStatement()) {
          s.execute(TABLE);
          s.execute(ROWS);
          if (database.database().equals("demo_prod")) {
            s.execute(PROD_ROW);
          }
        }
      }
      Files.createDirectories(data.environments);
      Files.writeString(data.environments.resolve("stage.yaml"), data.environment("stage", 0));
      Files.writeString(data.environments.resolve("prod.yaml"), data.environment("prod", 1));
    } catch (SQLException e) {
      throw new CliException(ExitCode.UNEXPECTED_STATE, "seeding the demo: " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return data;
  }

  String version() {
    return postgres.version();
  }

  /** Every row of each demo database's invoices, one line a row, by database. */
  Map<String, List<String>> rows() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (LocalDatabases.Database database : DATABASES) {
      List<String> lines = new ArrayList<>();
      try (Connection c = connect(database);
          Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery("SELECT id, customer, status, total FROM invoices ORDER BY id")) {
        while (r.next()) {
          lines.add(
              String.format(
                  "%-3d %-9s %-7s %6s",
                  r.getLong(1), r.getString(2), r.getString(3), r.getBigDecimal(4)));
        }
      } catch (SQLException e) {
        throw new CliException(
            ExitCode.UNEXPECTED_STATE,
            "reading " + database.database() + "'s invoices: " + e.getMessage());
      }
      out.put(database.database(), List.copyOf(lines));
    }
    return out;
  }

  private Connection connect(LocalDatabases.Database database) throws SQLException {
    Credentials credentials = LocalSecrets.read(postgres.secretsFile()).get(database.secretId());
    return DriverManager.getConnection(
        postgres.jdbcUrl(database.database()), credentials.username(), credentials.password());
  }

  /** stage or prod, both on this server: four eyes, db-leads review, no Slack. */
  private String environment(String name, int index) {
    LocalDatabases.Database database = DATABASES.get(index);
    return """
        # yaml-language-server: $schema=../../schemas/environment.schema.json
        # Written by `runbook demo`: %1$s played by the demo's embedded PostgreSQL.
        apiVersion: runbook/v1
        kind: Environment
        metadata:
          name: %1$s
          description: %1$s of the demo (the embedded PostgreSQL's database %2$s)
        provider: local
        rehearsal: false
        taskQueue: runbook-demo-%1$s
        databases:
          platform:
            engine: postgresql
            endpoint: 127.0.0.1
            port: %3$d
            database: %2$s
            secretId: %4$s
            via: direct
        teams:
          db-leads: [alice, bob]
          db-team: [alice, bob, carol]
        approvals:
          allowSelfApproval: false
        secrets:
          provider: local
          file: %5$s
        """
        .formatted(
            name,
            database.database(),
            postgres.port(),
            database.secretId(),
            postgres.secretsFile());
  }
}
