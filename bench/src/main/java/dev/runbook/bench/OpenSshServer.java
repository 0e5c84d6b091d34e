package dev.runbook.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's OpenSSH server started by the benchmark: {@code /usr/sbin/sshd -D -e -f <own config>} on
 * a free port of 127.0.0.1, its own ed25519 host key and authorized_keys (both made by {@code
 * ssh-keygen}), port forwarding allowed, nothing else. Also the jump host of the OpenSSH client
 * ({@code ssh -N -L}) baseline.
 */
final class OpenSshServer implements AutoCloseable {
  static final Path SSHD = Path.of("/usr/sbin/sshd");

  final Path dir;
  final int port;
  final Path hostKey;
  final Path userKey;
  final String user;
  private final Process process;

  private OpenSshServer(Path dir, int port, Path hostKey, Path userKey, String user, Process p) {
    this.dir = dir;
    this.port = port;
    this.hostKey = hostKey;
    this.userKey = userKey;
    this.user = user;
    this.process = p;
  }

  static OpenSshServer start(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(SSHD)) {
      throw new IllegalStateException(
          "no OpenSSH server at " + SSHD + " (Debian's openssh-server; .ci/run installs it)");
    }
    Path hostKey = keygen(dir, "ssh_host_ed25519_key");
    Path userKey = keygen(dir, "id_ed25519");
    Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
    String user = System.getProperty("user.name");
    int port = freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + hostKey,
            "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
            "PidFile " + dir.resolve("sshd.pid"),
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "AllowUsers " + user,
            "AllowTcpForwarding local",
            "X11Forwarding no",
            "PermitTTY no",
            "LogLevel ERROR",
            ""));
    if (user.equals("root")) {
      Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
    }
    Process p =
        new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sshd.log").toFile())
            .start();
    OpenSshServer server = new OpenSshServer(dir, port, hostKey, userKey, user, p);
    for (int i = 0; i < 200; i++) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return server;
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "sshd exited: " + Files.readString(dir.resolve("sshd.log")).trim());
        }
        Thread.sleep(25);
      }
    }
    server.close();
    throw new IllegalStateException("sshd did not listen on 127.0.0.1:" + port + " in 5 s");
  }

  /** {@code ssh-ed25519 AAAA...} of the host key. */
  String hostKeyLine() throws IOException {
    String[] parts = Files.readString(Path.of(hostKey + ".pub")).trim().split("\\s+");
    return parts[0] + " " + parts[1];
  }

  /** A known_hosts file naming this server's key, for the OpenSSH client. */
  Path knownHosts() throws IOException {
    Path file = dir.resolve("known_hosts");
    Files.writeString(file, "[127.0.0.1]:" + port + " " + hostKeyLine() + "\n");
    return file;
  }

  /** {@code ssh -N -L local:host:port}, host key checked; the caller stops the process. */
  List<String> forwardCommand(int local, String host, int remote, String cipher)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ssh",
                "-N",
                "-L",
                "127.0.0.1:" + local + ":" + host + ":" + remote,
                "-p",
                String.valueOf(port),
                "-i",
                userKey.toString(),
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts(),
                "-o",
                "BatchMode=yes",
                "-o",
                "ExitOnForwardFailure=yes",
                "-o",
                "IdentitiesOnly=yes"));
    if (cipher != null) {
      cmd.addAll(List.of("-c", cipher));
    }
    cmd.add(user + "@127.0.0.1");
    return cmd;
  }

  static Path keygen(Path dir, String name) throws IOException, InterruptedException {
    Path key = dir.resolve(name);
    Process p =
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
            .redirectErrorStream(true)
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(
          "ssh-keygen failed: " + new String(p.getInputStream().readAllBytes()));
    }
    return key;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
