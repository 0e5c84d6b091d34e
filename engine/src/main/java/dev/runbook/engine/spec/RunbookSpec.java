package dev.runbook.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A runbook as written: its tree, where each part stands, and typed views of the parts the compiler
 * walks. Built leniently, so semantic checks can run even when the schema found problems.
 */
public record RunbookSpec(
    LoadedDocument source,
    String name,
    int version,
    String description,
    List<String> owners,
    Map<String, ParamSpec> params,
    List<String> environments,
    List<StepSpec> steps,
    JsonNode promote,
    List<StepSpec> finallySteps) {

  public static RunbookSpec from(LoadedDocument source) {
    JsonNode root = source.tree();
    JsonNode metadata = root.path("metadata");
    Map<String, ParamSpec> params = new LinkedHashMap<>();
    JsonNode paramsNode = root.path("params");
    if (paramsNode.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = paramsNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        params.put(
            entry.getKey(),
            ParamSpec.from(
                entry.getKey(), JsonPointers.child("/params", entry.getKey()), entry.getValue()));
      }
    }
    JsonNode promote = root.path("gates").path("promote");
    return new RunbookSpec(
        source,
        Nodes.text(metadata, "name"),
        Nodes.integer(metadata, "version", 0),
        Nodes.text(metadata, "description"),
        Nodes.texts(metadata, "owners"),
        params,
        Nodes.texts(root, "environments"),
        steps(root.path("steps"), "/steps", false),
        promote.isObject() ? promote : null,
        steps(root.path("finally"), "/finally", true));
  }

  /**
   * {@code environmentOrder: independent}: a run targets one environment alone (access runbooks:
   * reaching prod must not go through stage first). Only allowed for steps that change no data.
   */
  public boolean independentEnvironments() {
    return "independent".equals(source.tree().path("environmentOrder").asText());
  }

  private static List<StepSpec> steps(JsonNode array, String pointer, boolean inFinally) {
    List<StepSpec> out = new ArrayList<>();
    if (!array.isArray()) {
      return out;
    }
    for (int i = 0; i < array.size(); i++) {
      out.add(StepSpec.from(array.get(i), JsonPointers.child(pointer, i), inFinally, i));
    }
    return out;
  }

  public String file() {
    return source.file();
  }

  /** The steps, then the {@code finally} steps, in document order. */
  public List<StepSpec> allSteps() {
    List<StepSpec> all = new ArrayList<>(steps);
    all.addAll(finallySteps);
    return all;
  }
}
