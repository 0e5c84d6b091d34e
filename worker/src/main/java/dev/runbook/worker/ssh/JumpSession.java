package dev.runbook.worker.ssh;

import com.jcraft.jsch.Session;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one SSH session to a jump box that every tunnel through it shares (channels multiplex over
 * it). Opened on first use and again after a drop: keepalive (3 unanswered) or the server closing
 * it ends the old one, and the next use connects anew.
 */
final class JumpSession {
  private final JumpHost jump;
  private final SshConnector connector;
  private final AtomicInteger connects = new AtomicInteger();
  private Session session;

  JumpSession(JumpHost jump, SshConnector connector) {
    this.jump = jump;
    this.connector = connector;
  }

  JumpHost jump() {
    return jump;
  }

  /** The connected session, connecting (again) when there is none or it dropped. */
  synchronized Session session() {
    if (session == null || !session.isConnected()) {
      if (session != null) {
        session.disconnect();
      }
      session = null;
      session = connector.connect(jump);
      connects.incrementAndGet();
    }
    return session;
  }

  /** How many times a session was opened (1 + reconnects). */
  int connects() {
    return connects.get();
  }

  synchronized boolean connected() {
    return session != null && session.isConnected();
  }

  synchronized void close() {
    if (session != null) {
      session.disconnect();
      session = null;
    }
  }
}
