package dev.runbook.worker.exec;

import dev.runbook.worker.local.Credentials;
import dev.runbook.worker.sql.SqlTarget;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A database's connection as the environment variables client tools read, built at the point of
 * use: libpq's {@code PG*}, or for MySQL/MariaDB an option file (0600, in a 0700 directory that
 * {@code MYSQL_HOME} names: their clients take no user name from the environment), and {@code
 * DATABASE_URL} (Prisma and most frameworks). The host and port are where the worker reaches the
 * database (the tunnel's end for {@code via: jump-box}). {@link #close()} removes the option file.
 */
record DatabaseVariables(Map<String, String> variables, List<String> secrets, Path optionDir)
    implements AutoCloseable {
  static DatabaseVariables of(SqlTarget target, Credentials credentials) throws IOException {
    Map<String, String> vars = new LinkedHashMap<>();
    Path optionDir = null;
    String user = credentials.username();
    String password = credentials.password();
    String encodedUser = URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20");
    String encodedPassword =
        URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
    String hostPort = target.host() + ":" + target.port();
    String userInfo = encodedUser + ":" + encodedPassword;
    if (target.engine() == SqlTarget.Engine.POSTGRESQL) {
      vars.put("PGHOST", target.host());
      vars.put("PGPORT", String.valueOf(target.port()));
      vars.put("PGDATABASE", target.database());
      vars.put("PGUSER", user);
      vars.put("PGPASSWORD", password);
      vars.put(
          "DATABASE_URL", "postgresql://" + userInfo + "@" + hostPort + "/" + target.database());
    } else {
      optionDir =
          Files.createTempDirectory(
              "runbook-exec-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path file = optionDir.resolve("my.cnf");
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          file,
          "[client]\nhost="
              + target.host()
              + "\nport="
              + target.port()
              + "\nprotocol=TCP\nuser="
              + quote(user)
              + "\npassword="
              + quote(password)
              + "\n[mysql]\ndatabase="
              + quote(target.database())
              + "\n",
          StandardCharsets.UTF_8);
      vars.put("MYSQL_HOME", optionDir.toString());
      vars.put("MYSQL_HOST", target.host());
      vars.put("MYSQL_TCP_PORT", String.valueOf(target.port()));
      vars.put("DATABASE_URL", "mysql://" + userInfo + "@" + hostPort + "/" + target.database());
    }
    return new DatabaseVariables(vars, List.of(password, encodedPassword), optionDir);
  }

  /** An option-file value in double quotes, backslashes and quotes escaped. */
  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public void close() {
    if (optionDir == null) {
      return;
    }
    try {
      Files.deleteIfExists(optionDir.resolve("my.cnf"));
      Files.deleteIfExists(optionDir);
    } catch (IOException e) {
      // a leftover 0700 directory in the temporary directory; nothing else to do
    }
  }
}
