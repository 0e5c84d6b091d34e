package dev.runbook.worker.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;

/**
 * An embedded SSH jump host (Apache MINA SSHD) on a free port of 127.0.0.1: its own ed25519 host
 * key and one authorized user key, both made by {@code ssh-keygen}, with local port forwarding
 * ({@code direct-tcpip}) allowed, as a bastion in front of a database.
 */
public final class JumpHostServer implements AutoCloseable {
  private final SshServer server;
  private final Path dir;
  private final Path hostKey;
  private final Path userKey;
  private final AtomicInteger channels = new AtomicInteger();

  private JumpHostServer(SshServer server, Path dir, Path hostKey, Path userKey) {
    this.server = server;
    this.dir = dir;
    this.hostKey = hostKey;
    this.userKey = userKey;
  }

  /** Starts a jump host accepting {@code userKey} (made with {@link SshKeys}) on port 0. */
  public static JumpHostServer start(Path dir, Path userKey) {
    return start(dir, userKey, 0);
  }

  /** Starts on {@code port} (0: a free one), e.g. again on the port of one that stopped. */
  public static JumpHostServer start(Path dir, Path userKey, int port) {
    try {
      Path hostKey = dir.resolve("ssh_host_ed25519_key");
      if (!Files.exists(hostKey)) {
        SshKeys.generate(dir, "ssh_host_ed25519_key", "ed25519", "", false);
      }
      Path authorized = dir.resolve("authorized_keys");
      Files.writeString(authorized, SshKeys.publicLine(userKey) + "\n");
      SshServer server = SshServer.setUpDefaultServer();
      server.setHost("127.0.0.1");
      server.setPort(port);
      server.setKeyPairProvider(new FileKeyPairProvider(hostKey));
      server.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(authorized));
      server.setPasswordAuthenticator(null);
      server.setKeyboardInteractiveAuthenticator(null);
      server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
      JumpHostServer jump = new JumpHostServer(server, dir, hostKey, userKey);
      server.addChannelListener(
          new ChannelListener() {
            @Override
            public void channelOpenSuccess(Channel channel) {
              jump.channels.incrementAndGet();
            }
          });
      server.start();
      return jump;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** The host key line to pin: {@code ssh-ed25519 AAAA...}. */
  public String hostKeyLine() {
    return SshKeys.publicLine(hostKey);
  }

  public Path userKey() {
    return userKey;
  }

  public Path dir() {
    return dir;
  }

  /** Channels opened so far (each forwarded connection is one). */
  public int channelsOpened() {
    return channels.get();
  }

  /** SSH sessions open now. */
  public int sessions() {
    return server.getActiveSessions().size();
  }

  /** Drops every session at once, as a network cut or a jump box reboot would. */
  public void dropSessions() {
    server.getActiveSessions().forEach(s -> s.close(true));
  }

  @Override
  public void close() {
    try {
      server.stop(true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
