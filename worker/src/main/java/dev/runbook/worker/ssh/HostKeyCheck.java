package dev.runbook.worker.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.UserInfo;

/**
 * The known host keys of one connection attempt (the pinned {@code hostKey} or a known_hosts file,
 * read by JSch) that also remembers what the server offered, so a refusal can name the offered
 * fingerprint. Never adds or removes keys: with {@code StrictHostKeyChecking=yes} an unknown or
 * changed key fails the connection.
 */
final class HostKeyCheck implements HostKeyRepository {
  private final HostKeyRepository known;
  private volatile byte[] offered;
  private volatile int result = -1;

  HostKeyCheck(HostKeyRepository known) {
    this.known = known;
  }

  @Override
  public int check(String host, byte[] key) {
    offered = key.clone();
    result = known.check(host, key);
    return result;
  }

  /** The key the server offered, or null when the check was not reached. */
  byte[] offered() {
    return offered;
  }

  /** Whether the offered key was checked and refused. */
  boolean refused() {
    return offered != null && result != OK;
  }

  /** Whether the host had a key of the offered type that differs (a changed key). */
  boolean changed() {
    return result == CHANGED;
  }

  @Override
  public void add(HostKey hostkey, UserInfo ui) {
    // never learn keys
  }

  @Override
  public void remove(String host, String type) {}

  @Override
  public void remove(String host, String type, byte[] key) {}

  @Override
  public String getKnownHostsRepositoryID() {
    return known.getKnownHostsRepositoryID();
  }

  @Override
  public HostKey[] getHostKey() {
    return known.getHostKey();
  }

  @Override
  public HostKey[] getHostKey(String host, String type) {
    return known.getHostKey(host, type);
  }
}
