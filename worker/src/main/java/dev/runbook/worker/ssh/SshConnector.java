package dev.runbook.worker.ssh;

import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.Session;
import dev.runbook.engine.workflow.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayInputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Opens JSch sessions to a jump box: host key verified ({@code StrictHostKeyChecking=yes} against
 * the pinned {@code hostKey} or the known_hosts file, never learned), public key authentication
 * with the key file (passphrase from the secrets provider) and/or the SSH agent, keepalive. Every
 * failure is a typed {@link ApplicationFailure} with one readable line: a refused host key or key
 * is CONFIGURATION (retrying cannot help), an unreachable host TRANSIENT.
 */
public final class SshConnector {
  private final SecretReader secrets;
  private final Duration connectTimeout;
  private final String ciphers;

  /**
   * @param ciphers JSch cipher list for both directions, or null for JSch's default
   */
  public SshConnector(SecretReader secrets, Duration connectTimeout, String ciphers) {
    this.secrets = secrets;
    this.connectTimeout = connectTimeout;
    this.ciphers = ciphers;
  }

  /** A connected session; the caller disconnects it. */
  public Session connect(JumpHost jump) {
    JSch jsch = new JSch();
    HostKeyCheck check = new HostKeyCheck(knownHosts(jsch, jump));
    identities(jsch, jump);
    Session session;
    try {
      session = jsch.getSession(jump.user(), jump.host(), jump.port());
      session.setHostKeyRepository(check);
      session.setConfig("StrictHostKeyChecking", "yes");
      session.setConfig("HashKnownHosts", "no");
      session.setConfig("PreferredAuthentications", "publickey");
      session.setConfig("server_host_key", hostKeyOrder(check, jump));
      session.setServerAliveInterval((int) Math.max(1000, jump.keepalive().toMillis()));
      session.setServerAliveCountMax(3);
      if (ciphers != null) {
        session.setConfig("cipher.c2s", ciphers);
        session.setConfig("cipher.s2c", ciphers);
      }
      session.connect((int) Math.max(1000, connectTimeout.toMillis()));
      return session;
    } catch (JSchException e) {
      throw failure(jump, check, e);
    }
  }

  /** The pinned key or the known_hosts file, as JSch's repository. */
  private static com.jcraft.jsch.HostKeyRepository knownHosts(JSch jsch, JumpHost jump) {
    try {
      if (jump.hostKey() != null) {
        String line = hostPattern(jump) + " " + jump.hostKey().trim() + "\n";
        jsch.setKnownHosts(new ByteArrayInputStream(line.getBytes(StandardCharsets.US_ASCII)));
      } else if (jump.knownHostsFile() != null) {
        if (!Files.isRegularFile(jump.knownHostsFile())) {
          throw FailureType.CONFIGURATION.failure(
              "the known_hosts file "
                  + jump.knownHostsFile()
                  + " of the jump box of "
                  + jump.environment()
                  + " does not exist");
        }
        jsch.setKnownHosts(jump.knownHostsFile().toString());
      } else {
        throw FailureType.CONFIGURATION.failure(
            "the jump box of "
                + jump.environment()
                + " has neither hostKey nor knownHostsFile in "
                + jump.file()
                + ": its host key cannot be verified");
      }
    } catch (JSchException e) {
      throw FailureType.CONFIGURATION.failure(
          "cannot read the host keys of the jump box of "
              + jump.environment()
              + ": "
              + e.getMessage());
    }
    return jsch.getHostKeyRepository();
  }

  /** How known_hosts names the host: {@code host}, or {@code [host]:port} off port 22. */
  static String hostPattern(JumpHost jump) {
    return jump.port() == 22 ? jump.host() : "[" + jump.host() + "]:" + jump.port();
  }

  /** The key file and/or the agent's keys; a key's passphrase read from its secret. */
  private void identities(JSch jsch, JumpHost jump) {
    if (jump.agent() && System.getenv("SSH_AUTH_SOCK") != null) {
      try {
        jsch.setIdentityRepository(new AgentIdentityRepository(new SSHAgentConnector()));
      } catch (AgentProxyException e) {
        if (jump.privateKeyFile() == null) {
          throw FailureType.CONFIGURATION.failure(
              "cannot use the SSH agent (SSH_AUTH_SOCK) for the jump box of "
                  + jump.environment()
                  + ": "
                  + e.getMessage());
        }
      }
    }
    if (jump.privateKeyFile() == null) {
      if (!jump.agent() || System.getenv("SSH_AUTH_SOCK") == null) {
        throw FailureType.CONFIGURATION.failure(
            "no key for the jump box of "
                + jump.environment()
                + ": give jumpBox.privateKeyFile, or agent: true with an SSH agent (SSH_AUTH_SOCK)");
      }
      return;
    }
    if (!Files.isReadable(jump.privateKeyFile())) {
      throw FailureType.CONFIGURATION.failure(
          "the private key "
              + jump.privateKeyFile()
              + " for the jump box of "
              + jump.environment()
              + " does not exist or cannot be read");
    }
    byte[] passphrase = null;
    if (jump.passphraseSecretId() != null) {
      try {
        passphrase =
            secrets
                .read(jump.environment(), jump.passphraseSecretId())
                .getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        throw FailureType.CONFIGURATION.failure(
            "cannot read the passphrase of "
                + jump.privateKeyFile()
                + " (secret "
                + jump.passphraseSecretId()
                + "): "
                + e.getMessage());
      }
    }
    try {
      jsch.addIdentity(jump.privateKeyFile().toString(), passphrase);
    } catch (JSchException e) {
      throw FailureType.CONFIGURATION.failure(
          "cannot use the private key "
              + jump.privateKeyFile()
              + " for the jump box of "
              + jump.environment()
              + (passphrase == null ? " (no passphrase secret given)" : " (wrong passphrase?)")
              + ": "
              + e.getMessage());
    } finally {
      if (passphrase != null) {
        java.util.Arrays.fill(passphrase, (byte) 0);
      }
    }
  }

  /**
   * Host key algorithms with the known key's types first, so the server is asked for the key that
   * can be verified rather than another one it also has.
   */
  private static String hostKeyOrder(HostKeyCheck check, JumpHost jump) {
    Set<String> order = new LinkedHashSet<>();
    List<String> types = new ArrayList<>();
    com.jcraft.jsch.HostKey[] keys = check.getHostKey(hostPattern(jump), null);
    if (keys != null) {
      for (com.jcraft.jsch.HostKey key : keys) {
        types.add(key.getType());
      }
    }
    for (String type : types) {
      if (type.equals("ssh-rsa")) {
        order.add("rsa-sha2-512");
        order.add("rsa-sha2-256");
      }
      order.add(type);
    }
    for (String type : JSch.getConfig("server_host_key").split(",")) {
      order.add(type);
    }
    return String.join(",", order);
  }

  private static ApplicationFailure failure(JumpHost jump, HostKeyCheck check, JSchException e) {
    String where = "the jump box " + jump.describe() + " of " + jump.environment();
    if (check.refused()) {
      byte[] offered = check.offered();
      String fingerprint = Fingerprints.type(offered) + " " + Fingerprints.sha256(offered);
      String expected =
          jump.hostKey() != null
              ? "the pinned jumpBox.hostKey ("
                  + Fingerprints.ofLine(jump.hostKey())
                  + ") of "
                  + jump.file()
              : "the known_hosts file " + jump.knownHostsFile();
      return FailureType.CONFIGURATION.failure(
          "host key refused: "
              + where
              + " offered "
              + fingerprint
              + (check.changed() ? ", which differs from " : ", which is not in ")
              + expected
              + "; if the jump box was rebuilt, check the new key out of band"
              + " (ssh-keyscan, the console) and update the environment file");
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (message.contains("Auth fail") || message.contains("Auth cancel")) {
      return FailureType.CONFIGURATION.failure(
          where
              + " refused the key of "
              + jump.user()
              + " ("
              + (jump.privateKeyFile() == null ? "" : jump.privateKeyFile() + ", ")
              + (jump.agent() ? "SSH agent" : "no agent")
              + "): public key authentication failed");
    }
    Throwable cause = e.getCause();
    if (cause instanceof ConnectException
        || cause instanceof NoRouteToHostException
        || cause instanceof UnknownHostException
        || cause instanceof SocketTimeoutException
        || message.contains("timeout")
        || message.contains("Connection refused")) {
      return FailureType.TRANSIENT.failure("cannot reach " + where + ": " + oneLine(message));
    }
    return FailureType.TRANSIENT.failure("SSH to " + where + " failed: " + oneLine(message));
  }

  static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }
}
