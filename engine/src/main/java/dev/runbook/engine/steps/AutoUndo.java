package dev.runbook.engine.steps;

import java.util.Map;

/**
 * The undo a step type registers by itself, e.g. {@code aws.ec2.revoke-ingress} after {@code
 * aws.ec2.allow-ingress}. Its inputs are taken from the step's own outputs.
 *
 * @param inputsFromOutputs undo input name -> output name of the step being undone
 */
public record AutoUndo(String uses, Map<String, String> inputsFromOutputs) {
  public AutoUndo {
    inputsFromOutputs = Map.copyOf(inputsFromOutputs);
  }
}
