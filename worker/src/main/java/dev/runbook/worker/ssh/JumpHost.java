package dev.runbook.worker.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.compile.Durations;
import dev.runbook.engine.spec.EnvironmentSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * An environment's {@code jumpBox} as the SSH client needs it. Holds no secret: the passphrase is
 * read through the environment's secrets provider when a session opens.
 *
 * @param environment the environment's name, for messages
 * @param file the environment file, for messages
 * @param hostKey the pinned host key line ({@code ssh-ed25519 AAAA...}), or null
 * @param knownHostsFile a known_hosts file holding the host key, or null
 * @param privateKeyFile the private key (OpenSSH or PEM), or null when only the agent is used
 * @param passphraseSecretId the secret whose {@code password} is the key's passphrase, or null
 * @param agent whether to offer the keys of the SSH agent ({@code SSH_AUTH_SOCK}) too
 * @param keepalive interval of SSH keepalive messages (the session is dropped after 3 unanswered)
 */
public record JumpHost(
    String environment,
    String file,
    String host,
    int port,
    String user,
    String hostKey,
    Path knownHostsFile,
    Path privateKeyFile,
    String passphraseSecretId,
    boolean agent,
    Duration keepalive) {

  static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(15);

  /** {@code user@host:port}, the pool's key and what messages name. */
  public String describe() {
    return user + "@" + host + ":" + port;
  }

  /** The jump box of an environment file, if it has one. */
  public static Optional<JumpHost> of(EnvironmentSpec env) {
    JsonNode box = env.source().tree().path("jumpBox");
    if (!box.isObject()) {
      return Optional.empty();
    }
    Path base = Path.of(env.file()).toAbsolutePath().getParent();
    return Optional.of(
        new JumpHost(
            env.name(),
            env.file(),
            box.path("host").asText(),
            box.path("sshPort").asInt(22),
            box.path("sshUser").asText(),
            text(box, "hostKey"),
            path(base, text(box, "knownHostsFile")),
            path(base, text(box, "privateKeyFile")),
            text(box, "passphraseSecretId"),
            box.path("agent").asBoolean(false),
            Durations.parse(box.path("keepalive").asText("")).orElse(DEFAULT_KEEPALIVE)));
  }

  /** The same jump box reached as {@code user} with another key (an engineer's own). */
  public JumpHost as(String sshUser, Path key, boolean useAgent) {
    return new JumpHost(
        environment,
        file,
        host,
        port,
        sshUser == null ? user : sshUser,
        hostKey,
        knownHostsFile,
        key == null ? privateKeyFile : key,
        key == null ? passphraseSecretId : null,
        useAgent || agent,
        keepalive);
  }

  /** The same jump box at another address (tests, a port-forwarded bastion). */
  public JumpHost at(String otherHost, int otherPort) {
    return new JumpHost(
        environment,
        file,
        otherHost,
        otherPort,
        user,
        hostKey,
        knownHostsFile,
        privateKeyFile,
        passphraseSecretId,
        agent,
        keepalive);
  }

  /** {@code ~/x} is the user's home; a relative path is relative to the environment file. */
  static Path path(Path base, String text) {
    if (text == null) {
      return null;
    }
    if (text.equals("~") || text.startsWith("~/")) {
      return Path.of(System.getProperty("user.home"))
          .resolve(text.substring(Math.min(2, text.length())));
    }
    Path path = Path.of(text);
    return path.isAbsolute() || base == null ? path : base.resolve(path);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
  }
}
