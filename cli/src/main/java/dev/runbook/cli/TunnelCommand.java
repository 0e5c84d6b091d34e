package dev.runbook.cli;

import dev.runbook.worker.ConnectionOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook tunnel ENV DATABASE}: a database on 127.0.0.1 for as long as a lease holds. */
@Command(
    name = "tunnel",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Reach a database through the jump box while a lease holds.",
      "%nStarts (or joins) your db-access run for ENV and DATABASE: an approval when the"
          + " environment's access policy asks for one, the jump box started if it is stopped,"
          + " your address (/32) allowed. Then it opens the forward on 127.0.0.1 (the database's"
          + " localPort, e.g. 15432 or 13306; the next free port when that one is taken), prints"
          + " how to connect and keeps the lease alive with heartbeats. Ctrl-C, the TTL"
          + " (`runbook tunnel extend RUN --by 30m`, up to the policy's maximum) or lost"
          + " heartbeats end it: the run revokes your address and stops the jump box when no"
          + " other lease holds it (and, when the environment says access.terminateSessions,"
          + " ends the access user's database sessions that came through it). The user is the"
          + " database's accessSecretId (default: secretId); the password is read with your own"
          + " credentials, only with --show-password or --pgpass, never through the run.",
      "%n`runbook tunnel extend RUN --by 30m`: your lease of RUN ends that much later, at most"
          + " at the policy's maximum (access.maxTtl after it started)."
    })
final class TunnelCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ENV", description = "The environment, e.g. stage.")
  String env;

  @Parameters(
      index = "1",
      paramLabel = "DATABASE",
      description = "A database of ENV's file (with `extend`: the run id).")
  String database;

  @Option(
      names = "--by",
      paramLabel = "DURATION",
      description = "With `extend`: how much longer the lease lasts, e.g. 30m.")
  String by;

  @Option(
      names = "--local-port",
      paramLabel = "PORT",
      description =
          "Listen here (127.0.0.1); taken is an error. Default: the database's localPort.")
  Integer localPort;

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      description = "How long the access lasts, e.g. 1h (default: the access policy's defaultTtl).")
  String ttl;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown to the approver).")
  String reason;

  @Option(
      names = "--cidr",
      paramLabel = "A.B.C.D/32",
      description = "Your public address (default: detected; 127.0.0.1/32 for provider local).")
  String cidr;

  @Option(
      names = "--show-password",
      description = "Also print the database password (read with your own credentials).")
  boolean showPassword;

  @Option(
      names = "--pgpass",
      paramLabel = "FILE",
      description = "Write a PostgreSQL password file line for the forward (0600), for psql.")
  Path pgpass;

  @Option(
      names = {"-i", "--identity"},
      paramLabel = "FILE",
      description = "Your SSH private key (default: the environment's privateKeyFile).")
  Path identity;

  @Option(
      names = "--ssh-user",
      paramLabel = "USER",
      description = "SSH user on the jump box (default: the environment's sshUser).")
  String sshUser;

  @Option(
      names = "--runbook",
      paramLabel = "FILE",
      description = "The access runbook (default: runbooks/db-access.yaml).")
  Path runbook = Path.of("runbooks", "db-access.yaml");

  @Option(
      names = "--environments",
      paramLabel = "DIR",
      description = "Directory of environment files (default: beside the runbook).")
  Path environmentsDir;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  ConnectionOptions connection() {
    return connection;
  }

  @Override
  public Integer call() {
    if ("extend".equals(env)) {
      return TunnelExtendCommand.extend(this, database, by);
    }
    return new TunnelSession(this).run();
  }
}
