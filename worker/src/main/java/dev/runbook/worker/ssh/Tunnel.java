package dev.runbook.worker.ssh;

import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local forward: a listener on 127.0.0.1 whose every accepted connection becomes a {@code
 * direct-tcpip} channel to {@code host:port} through the jump box's shared session.
 *
 * <p>The channels are opened here rather than with JSch's {@code setPortForwardingL}, because
 * JSch's own forwarded channels have a fixed 128 KiB receive window and 16 KiB packets, which caps
 * the download direction (result sets) at window / round-trip time. Here each channel gets {@link
 * TunnelPool.Settings#window()} and {@link TunnelPool.Settings#packet()} (2 MiB, 32 KiB by
 * default), which bench/README.md measures against OpenSSH.
 */
final class Tunnel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Tunnel.class);

  private final JumpSession jump;
  private final String host;
  private final int port;
  private final ServerSocket server;
  private final TunnelPool.Settings settings;
  private final Set<ChannelDirectTCPIP> channels = ConcurrentHashMap.newKeySet();
  private volatile long lastUsed = System.nanoTime();
  private volatile boolean closed;

  Tunnel(
      JumpSession jump, String host, int port, ServerSocket server, TunnelPool.Settings settings) {
    this.jump = jump;
    this.host = host;
    this.port = port;
    this.server = server;
    this.settings = settings;
    Thread accept =
        new Thread(
            this::acceptLoop, "ssh-tunnel-" + server.getLocalPort() + "-" + host + ":" + port);
    accept.setDaemon(true);
    accept.start();
  }

  int localPort() {
    return server.getLocalPort();
  }

  String target() {
    return host + ":" + port;
  }

  JumpSession jump() {
    return jump;
  }

  void touch() {
    lastUsed = System.nanoTime();
  }

  /** Open channels (connections through the tunnel) right now. */
  int active() {
    channels.removeIf(c -> c.isClosed() || !c.isConnected());
    return channels.size();
  }

  /** No connection open and none for at least {@code idleNanos}. */
  boolean idle(long idleNanos) {
    if (active() > 0) {
      touch();
      return false;
    }
    return System.nanoTime() - lastUsed >= idleNanos;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn(
              "tunnel 127.0.0.1:{} -> {} stopped accepting: {}",
              localPort(),
              target(),
              e.toString());
        }
        return;
      }
      touch();
      forward(socket);
    }
  }

  private void forward(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
      Session session = jump.session();
      ChannelDirectTCPIP channel = (ChannelDirectTCPIP) session.openChannel("direct-tcpip");
      channel.setHost(host);
      channel.setPort(port);
      channel.setOrgIPAddress(socket.getInetAddress().getHostAddress());
      channel.setOrgPort(socket.getPort());
      channel.setLocalWindowSizeMax(settings.window());
      channel.setLocalPacketSize(settings.packet());
      channel.setInputStream(socket.getInputStream());
      channel.setOutputStream(socket.getOutputStream());
      channel.connect((int) Math.max(1000, settings.connectTimeout().toMillis()));
      channels.add(channel);
    } catch (JSchException | IOException | RuntimeException e) {
      // The client sees its connection closed; the next step's open() reports SSH failures.
      LOG.warn(
          "tunnel 127.0.0.1:{} -> {} via {}: {}",
          localPort(),
          target(),
          jump.jump().describe(),
          SshConnector.oneLine(String.valueOf(e.getMessage())));
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (SocketException ignored) {
      // closed
    } catch (IOException ignored) {
      // closing anyway
    }
    channels.forEach(ChannelDirectTCPIP::disconnect);
    channels.clear();
  }
}
