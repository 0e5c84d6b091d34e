package dev.runbook.cli;

import dev.runbook.engine.workflow.ApprovalRecord;
import dev.runbook.engine.workflow.CompensationRecord;
import dev.runbook.engine.workflow.GateView;
import dev.runbook.engine.workflow.RunView;
import dev.runbook.engine.workflow.StepOutcome;
import dev.runbook.engine.workflow.StepRecord;
import io.temporal.client.WorkflowExecutionDescription;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows a run live ({@code run}, {@code watch}, {@code cancel}): polls its view and prints each
 * step as it starts and finishes, each gate when it opens (with the commands to decide it), each
 * decision, and at the end the outcome and the undos.
 *
 * <p>Events of one poll are ordered by workflow time, then by their place in the run, so the
 * transcript reads the same however the polls fall.
 */
final class Follower {
  /** How often the run is asked for its view. */
  static final Duration POLL = Duration.ofMillis(500);

  private final Runs runs;
  private final PrintWriter out;
  private final CliContext context;
  private final String flags;
  private final Map<Integer, StepOutcome> printed = new HashMap<>();
  private final Set<String> gatesShown = new HashSet<>();
  private final Map<String, Long> gatesSeen = new HashMap<>();
  private int approvalsShown;

  /** On a terminal: the progress line drawn last (erased before anything else is printed). */
  private boolean progressDrawn;

  /** Elsewhere: the last state printed, so that each change is one line. */
  private String progressPrinted = "";

  Follower(Runs runs, PrintWriter out, CliContext context, String flags) {
    this.runs = runs;
    this.out = out;
    this.context = context;
    this.flags = flags;
  }

  /** Counts what the run did so far as already shown (for {@code cancel}). */
  void skipHistory(RunView view) {
    for (int i = 0; i < view.steps().size(); i++) {
      printed.put(i, view.steps().get(i).outcome());
    }
    approvalsShown = view.approvals().size();
    view.openGates().forEach(g -> gatesShown.add(g.id()));
  }

  /** Follows until the run ends (or the stop signal); returns the exit code. */
  int follow(String id) {
    boolean warned = false;
    while (true) {
      WorkflowExecutionDescription description = runs.require(id);
      Runs.Snapshot ended = null;
      if (new Runs.Snapshot(id, description, null).closed()) {
        ended = new Runs.Snapshot(id, description, runs.result(id, description).orElse(null));
      }
      if (ended != null) {
        return finish(ended);
      }
      try {
        RunView view = runs.view(id);
        show(id, view, false);
        progress(view, description);
        warned = false;
      } catch (Runs.NoWorkerException e) {
        if (!warned) {
          out.println("(" + e.getMessage() + "; still waiting)");
          out.flush();
          warned = true;
        }
      }
      if (context.stop().await(POLL)) {
        erase();
        out.println(
            "stopped following; the run goes on. Follow it again: runbook watch " + id + flags);
        out.flush();
        return ExitCode.UNEXPECTED_STATE.code();
      }
    }
  }

  private int finish(Runs.Snapshot run) {
    erase();
    RunView view = run.view();
    if (view == null) {
      out.println(
          "run "
              + run.id()
              + " ended "
              + run.temporalStatus()
              + " outside the runbook engine (e.g. terminated in Temporal); its undos did not run");
      out.flush();
      return ExitCode.FAILED.code();
    }
    show(run.id(), view, true);
    String failure =
        view.failure() == null || view.failure().isBlank() ? "" : ": " + view.failure();
    Terminal terminal = context.terminal();
    String status = view.status().name();
    out.println(
        "run "
            + run.id()
            + " "
            + (view.status().succeeded() ? terminal.good(status) : terminal.bad(status))
            + " after "
            + RunText.duration(run.elapsed())
            + failure);
    if (!view.status().succeeded()) {
      if (view.compensations().isEmpty()) {
        out.println("no undos were registered");
      }
      for (CompensationRecord c : view.compensations()) {
        out.println(RunText.compensation(c));
      }
    }
    out.flush();
    return view.status().succeeded() ? ExitCode.OK.code() : ExitCode.FAILED.code();
  }

  private record Event(long time, double place, String line) {}

  /** Prints what is new in {@code view}; {@code ended}: the run is over. */
  private void show(String id, RunView view, boolean ended) {
    List<Event> events = new ArrayList<>();
    List<StepRecord> steps = view.steps();
    for (int i = 0; i < steps.size(); i++) {
      StepRecord r = steps.get(i);
      StepOutcome before = printed.get(i);
      String name = RunText.step(r);
      if (r.outcome() == StepOutcome.SKIPPED) {
        if (before == null) {
          events.add(new Event(r.startedAt(), 2 * i, name + " " + r.summary()));
        }
      } else {
        if (before == null) {
          events.add(new Event(r.startedAt(), 2 * i, name + " started (" + r.uses() + ")"));
        }
        if (r.outcome() != StepOutcome.RUNNING && before != r.outcome()) {
          events.add(
              new Event(
                  r.finishedAt(),
                  2 * i + 1,
                  name
                      + " "
                      + r.outcome().name().toLowerCase()
                      + " in "
                      + RunText.duration(r.startedAt(), r.finishedAt())
                      + (r.summary() == null || r.summary().isBlank() ? "" : ": " + r.summary())));
        } else if (r.outcome() == StepOutcome.RUNNING && ended) {
          events.add(new Event(Long.MAX_VALUE, 2 * i + 1, name + " did not finish: the run ended"));
        }
      }
      printed.put(i, r.outcome());
    }
    List<ApprovalRecord> approvals = view.approvals();
    for (int i = approvalsShown; i < approvals.size(); i++) {
      ApprovalRecord a = approvals.get(i);
      events.add(new Event(a.at(), placeOfGate(steps, a.gate()) + i * 1e-6, RunText.approval(a)));
    }
    approvalsShown = approvals.size();
    events.sort(Comparator.comparingLong(Event::time).thenComparingDouble(Event::place));
    if (!events.isEmpty()
        || view.openGates().stream().anyMatch(g -> !gatesShown.contains(g.id()))) {
      erase();
    }
    events.forEach(e -> out.println(e.line()));
    if (!ended) {
      for (GateView gate : view.openGates()) {
        gatesSeen.putIfAbsent(gate.id(), System.currentTimeMillis());
        if (gatesShown.add(gate.id())) {
          out.println("gate " + gate.id() + " is waiting for approval");
          RunText.gate(id, gate, flags, "  ").forEach(out::println);
          out.flush();
          context.onGate().opened(id, gate);
        }
      }
    }
    out.flush();
  }

  /**
   * While the run waits: on a terminal one line, redrawn at every poll with the time so far;
   * elsewhere a line only when a running step reports a new state (its heartbeat), since starts,
   * ends and gates are already lines of their own.
   */
  private void progress(RunView view, WorkflowExecutionDescription description) {
    Progress now =
        Progress.of(
            view,
            description,
            runs.client().getOptions().getDataConverter(),
            gate -> gatesSeen.getOrDefault(gate, System.currentTimeMillis()));
    if (context.terminal().interactive()) {
      if (now.none()) {
        erase();
        return;
      }
      out.print(
          "\r" + context.terminal().waiting(now.line(System.currentTimeMillis())) + "\u001b[K");
      out.flush();
      progressDrawn = true;
      return;
    }
    if (!now.none() && now.heartbeat() && !now.what().equals(progressPrinted)) {
      out.println("  " + now.line(System.currentTimeMillis()));
      out.flush();
    }
    progressPrinted = now.what();
  }

  /** Clears the progress line drawn on a terminal, so that the next line starts clean. */
  private void erase() {
    if (progressDrawn) {
      out.print("\r\u001b[K");
      progressDrawn = false;
    }
  }

  /** Between the start and the end of the gate's step; before its stage for a promote gate. */
  private static double placeOfGate(List<StepRecord> steps, String gate) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (RunText.step(steps.get(i)).equals(gate)) {
        return 2 * i + 0.5;
      }
    }
    int at = gate.indexOf('@');
    if (at > 0) {
      String environment = gate.substring(at + 1);
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).environment().equals(environment)) {
          return 2 * i - 0.5;
        }
      }
    }
    return Double.MAX_VALUE / 2;
  }
}
