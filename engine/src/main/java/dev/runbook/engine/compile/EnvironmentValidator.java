package dev.runbook.engine.compile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.schema.DocumentSchema;
import dev.runbook.engine.spec.EnvironmentSpec;
import dev.runbook.engine.spec.JsonPointers;
import dev.runbook.engine.spec.LoadedDocument;
import java.util.Map;
import java.util.Optional;

/** Checks an environment file: its schema, its name, and that a jump box exists when used. */
public final class EnvironmentValidator {
  private EnvironmentValidator() {}

  /**
   * @param expectedName the name the file is found under ({@code stage} for {@code stage.yaml}), or
   *     null when it is validated on its own
   */
  public static Validation<ValidatedEnvironment> validate(
      LoadedDocument document, String expectedName) {
    Diagnostics diagnostics = new Diagnostics();
    Reporter reporter = new Reporter(document, diagnostics);
    diagnostics.addAll(DocumentSchema.ENVIRONMENT.validate(document));
    EnvironmentSpec spec = EnvironmentSpec.from(document);
    if (expectedName != null && spec.name() != null && !spec.name().equals(expectedName)) {
      reporter.value(
          Category.SEMANTIC,
          "/metadata/name",
          "environment '"
              + spec.name()
              + "' must be in a file named "
              + spec.name()
              + ".yaml, not "
              + expectedName
              + ".yaml");
    }
    boolean hasJumpBox = document.tree().path("jumpBox").isObject();
    for (Map.Entry<String, JsonNode> db : spec.databases().entrySet()) {
      if ("jump-box".equals(db.getValue().path("via").asText()) && !hasJumpBox) {
        reporter.value(
            Category.SEMANTIC,
            JsonPointers.child(JsonPointers.child("/databases", db.getKey()), "via"),
            "database '" + db.getKey() + "' is reached via jump-box, but no jumpBox is defined");
      }
    }
    if (!diagnostics.isEmpty()) {
      return new Validation<>(Optional.empty(), diagnostics.sorted());
    }
    return new Validation<>(Optional.of(new ValidatedEnvironment(spec)), diagnostics.sorted());
  }
}
