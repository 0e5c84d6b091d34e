package dev.runbook.worker.ssh;

import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.workflow.FailureType;
import dev.runbook.worker.sql.SqlTargets;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The worker's SSH tunnels, one per (jump box, target {@code host:port}): opened on first use,
 * shared by every step (and connection) that needs the target, over one SSH session per jump box
 * with keepalive; a dropped session is opened again by the next use; a tunnel with no connection
 * for {@link Settings#idle()} is closed, and the session once no tunnel uses it; everything is
 * closed by {@link #close()} when the worker stops.
 *
 * <p>As a {@link SqlTargets.Route} it makes {@code via: jump-box} databases transparent: asking
 * {@link SqlTargets#get} for one opens (or borrows) its tunnel and answers {@code 127.0.0.1:<the
 * tunnel's port>}, so SQL and Flyway steps connect through it without knowing.
 */
public final class TunnelPool implements SqlTargets.Route, AutoCloseable {
  /**
   * @param idle a tunnel without connections for this long is closed
   * @param connectTimeout SSH connect and channel open timeout
   * @param window the receive window of each forwarded channel (bytes)
   * @param packet the largest packet each forwarded channel accepts (bytes)
   * @param ciphers JSch's cipher list (both directions), or null for its default (AES-GCM first)
   */
  public record Settings(
      Duration idle, Duration connectTimeout, int window, int packet, String ciphers) {
    public static Settings defaults() {
      return new Settings(Duration.ofMinutes(5), Duration.ofSeconds(15), 2 << 20, 32 << 10, null);
    }

    public Settings withIdle(Duration other) {
      return new Settings(other, connectTimeout, window, packet, ciphers);
    }

    public Settings withWindow(int otherWindow, int otherPacket) {
      return new Settings(idle, connectTimeout, otherWindow, otherPacket, ciphers);
    }

    public Settings withCiphers(String other) {
      return new Settings(idle, connectTimeout, window, packet, other);
    }
  }

  private record Key(String jump, String host, int port) {}

  private final Map<String, JumpHost> jumpHosts;
  private final SshConnector connector;
  private final Settings settings;
  private final Map<String, JumpSession> sessions = new ConcurrentHashMap<>();
  private final Map<Key, Tunnel> tunnels = new ConcurrentHashMap<>();
  private final Map<Key, Integer> lastPorts = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private volatile boolean closed;

  /**
   * @param jumpHosts environment name -> its jump box
   * @param secrets reads a key's passphrase secret
   */
  public TunnelPool(Map<String, JumpHost> jumpHosts, SecretReader secrets, Settings settings) {
    this.jumpHosts = Map.copyOf(jumpHosts);
    this.settings = settings;
    this.connector = new SshConnector(secrets, settings.connectTimeout(), settings.ciphers());
    this.reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ssh-tunnel-reaper");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(200, settings.idle().toMillis() / 4);
    reaper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
  }

  /** The jump boxes of the given environments (those that have one). */
  public static Map<String, JumpHost> jumpHosts(List<EnvironmentSpec> environments) {
    Map<String, JumpHost> out = new LinkedHashMap<>();
    for (EnvironmentSpec env : environments) {
      JumpHost.of(env).ifPresent(jump -> out.put(env.name(), jump));
    }
    return out;
  }

  /** The jump box of {@code environment}, or a CONFIGURATION failure. */
  public JumpHost jumpHost(String environment) {
    JumpHost jump = jumpHosts.get(environment);
    if (jump == null) {
      throw FailureType.CONFIGURATION.failure(
          "environment "
              + environment
              + " has no jumpBox: its databases cannot be reached via jump-box");
    }
    return jump;
  }

  @Override
  public SqlTargets.Endpoint open(String environment, String database, SqlTargets.Endpoint remote) {
    return open(jumpHost(environment), remote.host(), remote.port(), 0);
  }

  /**
   * The local end of the tunnel to {@code host:port} through {@code jump}, opening it (and the SSH
   * session) when needed. The session is checked (and reconnected) here, so SSH failures are
   * reported to the step as typed failures rather than as a closed database connection.
   *
   * @param localPort the port to listen on when the tunnel is opened; 0 for any free one (an open
   *     tunnel keeps its port)
   */
  public SqlTargets.Endpoint open(JumpHost jump, String host, int port, int localPort) {
    if (closed) {
      throw FailureType.TRANSIENT.failure("the worker is stopping: its SSH tunnels are closed");
    }
    JumpSession session =
        sessions.computeIfAbsent(jump.describe(), k -> new JumpSession(jump, connector));
    session.session(); // connect or reconnect now: failures are typed, with the reason
    Key key = new Key(jump.describe(), host, port);
    Tunnel tunnel =
        tunnels.compute(
            key, (k, existing) -> existing != null ? existing : listen(k, session, localPort));
    tunnel.touch();
    return new SqlTargets.Endpoint("127.0.0.1", tunnel.localPort());
  }

  private Tunnel listen(Key key, JumpSession session, int requested) {
    int port = requested != 0 ? requested : lastPorts.getOrDefault(key, 0);
    ServerSocket server;
    try {
      server = bind(port);
    } catch (IOException e) {
      if (requested != 0) {
        throw FailureType.CONFIGURATION.failure(
            "cannot listen on 127.0.0.1:"
                + requested
                + " for the tunnel to "
                + key.host()
                + ":"
                + key.port()
                + ": "
                + e.getMessage());
      }
      try {
        server = bind(0); // the port used before is taken now: any other
      } catch (IOException again) {
        throw FailureType.TRANSIENT.failure(
            "cannot open a local port for a tunnel: " + again.getMessage());
      }
    }
    lastPorts.put(key, server.getLocalPort());
    return new Tunnel(session, key.host(), key.port(), server, settings);
  }

  static ServerSocket bind(int port) throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
      return server;
    } catch (BindException e) {
      server.close();
      throw e;
    }
  }

  /** Open tunnels, for tests and status lines. */
  public int openTunnels() {
    return tunnels.size();
  }

  /** How often the session to {@code jump} was opened (1 + reconnects); 0 before first use. */
  public int connects(JumpHost jump) {
    JumpSession session = sessions.get(jump.describe());
    return session == null ? 0 : session.connects();
  }

  /** Closes tunnels idle for longer than the setting, then sessions no tunnel uses. */
  void closeIdle() {
    long idle = settings.idle().toNanos();
    tunnels.forEach(
        (key, tunnel) -> {
          if (tunnel.idle(idle) && tunnels.remove(key, tunnel)) {
            tunnel.close();
          }
        });
    sessions.forEach(
        (name, session) -> {
          boolean used = tunnels.keySet().stream().anyMatch(k -> k.jump().equals(name));
          if (!used) {
            session.close();
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    reaper.shutdownNow();
    tunnels.values().forEach(Tunnel::close);
    tunnels.clear();
    sessions.values().forEach(JumpSession::close);
    sessions.clear();
  }
}
