package dev.runbook.cli;

import dev.runbook.engine.workflow.GateView;
import dev.runbook.worker.StopSignal;
import java.util.Map;

/**
 * What a command reads from outside its arguments: the environment variables (injectable, so tests
 * and the demo can act as several people), the stop signal of long-running commands, and a hook
 * called when a followed run opens a gate (the demo approves from there).
 */
record CliContext(
    Map<String, String> env, StopSignal stop, GateListener onGate, Terminal terminal) {
  /** Called on the following thread after a gate's details were printed. */
  @FunctionalInterface
  interface GateListener {
    void opened(String runId, GateView gate);
  }

  CliContext {
    env = Map.copyOf(env);
  }

  /** Not a terminal: plain lines, no colours (tests, the demo's transcript). */
  CliContext(Map<String, String> env, StopSignal stop, GateListener onGate) {
    this(env, stop, onGate, Terminal.NONE);
  }

  static CliContext system() {
    return new CliContext(
        System.getenv(), StopSignal.jvm(), (id, gate) -> {}, Terminal.detect(System.getenv()));
  }

  static CliContext of(Map<String, String> env) {
    return new CliContext(env, StopSignal.manual(), (id, gate) -> {});
  }

  CliContext withEnv(Map<String, String> other) {
    return new CliContext(other, stop, onGate, terminal);
  }

  CliContext withGateListener(GateListener listener) {
    return new CliContext(env, stop, listener, terminal);
  }

  CliContext withTerminal(Terminal other) {
    return new CliContext(env, stop, onGate, other);
  }
}
