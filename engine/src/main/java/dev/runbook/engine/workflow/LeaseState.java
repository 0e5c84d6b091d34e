package dev.runbook.engine.workflow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.plan.LeaseStep;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A lease the run holds for its launcher ({@code uses: lease}): it ends when released, at its
 * expiry (extendable up to its maximum), or when heartbeats stop for longer than the heartbeat
 * timeout. Workflow code: time is workflow time, and waiting adds a timer only per deadline reached
 * or extension, not per heartbeat.
 */
final class LeaseState {
  /** Why a lease ended. */
  enum Ending {
    RELEASED("released"),
    EXPIRED("expired"),
    HEARTBEAT_LOST("heartbeat-lost");

    final String word;

    Ending(String word) {
      this.word = word;
    }
  }

  private final LeaseStep step;
  private final String holder;
  private final long startedAt;
  private final long maxUntil;
  private long expiresAt;
  private long lastHeartbeat;
  private int extensions;
  private boolean released;
  private boolean ended;

  LeaseState(LeaseStep step, String holder, long now) {
    this.step = step;
    this.holder = holder;
    this.startedAt = now;
    this.expiresAt = now + step.ttl().toMillis();
    this.maxUntil = now + Math.max(step.ttl().toMillis(), step.maxTtl().toMillis());
    this.lastHeartbeat = now;
  }

  /** Why {@code request} cannot apply now, if it cannot. */
  Optional<String> refusal(LeaseRequest request) {
    if (request == null || request.action() == null) {
      return Optional.of("a lease request needs an action");
    }
    if (ended) {
      return Optional.of("the lease " + step.id() + " has ended");
    }
    if (!holder.equals(request.by())) {
      return Optional.of(
          "the lease "
              + step.id()
              + " belongs to "
              + holder
              + "; "
              + request.by()
              + " cannot "
              + request.action().name().toLowerCase(java.util.Locale.ROOT)
              + " it (start your own with runbook tunnel)");
    }
    if (request.action() == LeaseRequest.Action.EXTEND) {
      if (request.extendByMillis() <= 0) {
        return Optional.of("extend needs a positive duration");
      }
      if (expiresAt >= maxUntil) {
        return Optional.of(
            "the lease already ends at its maximum, "
                + instant(maxUntil)
                + " ("
                + human(step.maxTtl())
                + " after it started); start a new one after it ends");
      }
    }
    return Optional.empty();
  }

  /** Applies an accepted request. */
  LeaseAnswer apply(LeaseRequest request, long now) {
    String message;
    switch (request.action()) {
      case HEARTBEAT -> {
        lastHeartbeat = now;
        message = "held until " + instant(expiresAt);
      }
      case EXTEND -> {
        long wanted = expiresAt + request.extendByMillis();
        expiresAt = Math.min(wanted, maxUntil);
        lastHeartbeat = now;
        extensions++;
        message =
            "extended: held until "
                + instant(expiresAt)
                + (wanted > maxUntil
                    ? " (capped at the maximum, " + human(step.maxTtl()) + ")"
                    : "");
      }
      case RELEASE -> {
        released = true;
        message = "released: the cleanup steps run now";
      }
      default -> throw new IllegalStateException("unknown lease action " + request.action());
    }
    return answer(message);
  }

  LeaseAnswer answer(String message) {
    return new LeaseAnswer(
        step.id(),
        holder,
        expiresAt,
        maxUntil,
        step.heartbeatTimeout().toMillis(),
        !ended && !released,
        message);
  }

  /** Waits (durably) until the lease ends; returns why. */
  Ending hold() {
    while (true) {
      long now = Workflow.currentTimeMillis();
      if (released) {
        return end(Ending.RELEASED);
      }
      if (now >= expiresAt) {
        return end(Ending.EXPIRED);
      }
      long heartbeatDeadline = lastHeartbeat + step.heartbeatTimeout().toMillis();
      if (now >= heartbeatDeadline) {
        return end(Ending.HEARTBEAT_LOST);
      }
      long until = Math.min(expiresAt, heartbeatDeadline);
      int seen = extensions;
      // Heartbeats only move the deadline; the timer wakes on it and then looks again.
      Workflow.await(Duration.ofMillis(until - now), () -> released || extensions != seen);
    }
  }

  private Ending end(Ending ending) {
    ended = true;
    return ending;
  }

  ObjectNode outputs(Ending ending) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("holder", holder);
    out.put("endedBy", ending.word);
    out.put("expiresAt", instant(expiresAt));
    out.put("extensions", extensions);
    return out;
  }

  String summary(Ending ending, long now) {
    String held = human(Duration.ofMillis(now - startedAt));
    return switch (ending) {
      case RELEASED -> "released by " + holder + " after " + held;
      case EXPIRED ->
          "expired after "
              + held
              + " (ttl "
              + human(step.ttl())
              + (extensions == 0 ? "" : ", " + extensions + " extension(s)")
              + ")";
      case HEARTBEAT_LOST ->
          "ended after "
              + held
              + ": no heartbeat from "
              + holder
              + " for "
              + human(step.heartbeatTimeout());
    };
  }

  /** {@code 1h30m}, {@code 2m}, {@code 45s}: whole seconds, as runbooks write durations. */
  static String human(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long hours = seconds / 3600;
    long minutes = seconds % 3600 / 60;
    long rest = seconds % 60;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes).append('m');
    }
    if (rest > 0) {
      out.append(rest).append('s');
    }
    return out.toString();
  }

  static String instant(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }
}
