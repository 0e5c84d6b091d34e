package dev.runbook.engine.steps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.schema.DocumentSchema;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepTypesTest {
  private final JsonNode schema = DocumentSchema.RUNBOOK.raw();

  @Test
  void everyRegisteredStepTypeIsInTheSchemaWithItsInputsAndNothingElseIs() {
    List<String> registered = StepTypes.all().stream().map(StepType::name).sorted().toList();
    List<String> inSchema = new ArrayList<>();
    schema
        .path("$defs")
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (name.startsWith("with.")) {
                inSchema.add(name.substring("with.".length()));
              }
            });

    assertEquals(registered, inSchema.stream().sorted().toList());
    assertEquals(26, registered.size());
  }

  @Test
  void sqlInputsAndOwnedInputsNameRealInputsOfTheirStepType() {
    for (StepType type : StepTypes.all()) {
      JsonNode inputs = schema.path("$defs").path("with." + type.name()).path("properties");
      for (SqlInput sql : type.sqlInputs()) {
        String first = sql.pointer().substring(1).split("/")[0];
        assertTrue(inputs.has(first), type.name() + " has no input " + first);
        assertTrue(
            sql.bindPointer() == null || inputs.has(sql.bindPointer().substring(1).split("/")[0]),
            type.name() + " bind");
      }
      for (OwnedInput owned : type.ownedInputs()) {
        assertTrue(inputs.has(owned.input()), type.name() + " has no input " + owned.input());
        for (String creator : owned.creators()) {
          StepType producer = StepTypes.find(creator).orElseThrow();
          assertTrue(producer.hasOutput(owned.output()), creator + " lacks " + owned.output());
        }
      }
      type.compensation()
          .ifPresent(
              undo -> {
                StepType undoType = StepTypes.find(undo.uses()).orElseThrow();
                JsonNode undoInputs =
                    schema.path("$defs").path("with." + undoType.name()).path("properties");
                undo.inputsFromOutputs()
                    .forEach(
                        (input, output) -> {
                          assertTrue(undoInputs.has(input), undo.uses() + " has no input " + input);
                          assertTrue(type.hasOutput(output), type.name() + " lacks " + output);
                        });
              });
    }
  }
}
