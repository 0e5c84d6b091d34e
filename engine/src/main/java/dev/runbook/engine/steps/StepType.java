package dev.runbook.engine.steps;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the compiler knows about one step type ({@code uses:}). Its {@code with} inputs are
 * described by {@code $defs/with.<name>} in {@code schemas/runbook.schema.json}; this record holds
 * the rest: outputs, SQL inputs, ownership rules and the undo it registers.
 *
 * @param integration the activity interface the worker implements it on (e.g. {@code sql})
 * @param compensation a step type registered as this step's undo before it acts, if any
 * @param approval whether a step-level {@code approval} gate is allowed, required or refused
 */
public record StepType(
    String name,
    Execution execution,
    String integration,
    List<String> outputs,
    List<SqlInput> sqlInputs,
    List<OwnedInput> ownedInputs,
    Optional<AutoUndo> compensation,
    ApprovalRule approval,
    boolean migration,
    Duration defaultTimeout) {

  /** Whether a step of this type may or must carry its own {@code approval} gate. */
  public enum ApprovalRule {
    REFUSED,
    ALLOWED,
    REQUIRED
  }

  public StepType {
    outputs = List.copyOf(outputs);
    sqlInputs = List.copyOf(sqlInputs);
    ownedInputs = List.copyOf(ownedInputs);
  }

  public boolean hasOutput(String output) {
    return outputs.contains(output);
  }
}
