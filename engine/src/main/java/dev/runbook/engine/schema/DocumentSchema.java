package dev.runbook.engine.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.spec.LoadedDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The two document schemas, loaded from the very files editors use ({@code schemas/*.schema.json},
 * packaged into the engine jar), and validation of a loaded document against one of them.
 */
public enum DocumentSchema {
  RUNBOOK("runbook.schema.json"),
  ENVIRONMENT("environment.schema.json");

  private final String fileName;
  private volatile Loaded loaded;

  private record Loaded(JsonNode raw, Schema schema) {}

  DocumentSchema(String fileName) {
    this.fileName = fileName;
  }

  /** The schema document itself. */
  public JsonNode raw() {
    return load().raw();
  }

  public String fileName() {
    return fileName;
  }

  /** Schema violations of the document, as positioned diagnostics with readable messages. */
  public List<Diagnostic> validate(LoadedDocument document) {
    List<Error> errors = load().schema().validate(document.tree());
    return new SchemaErrorFormatter(document, raw()).format(errors);
  }

  private Loaded load() {
    Loaded current = loaded;
    if (current == null) {
      synchronized (this) {
        current = loaded;
        if (current == null) {
          current = read();
          loaded = current;
        }
      }
    }
    return current;
  }

  private Loaded read() {
    String resource = "/schemas/" + fileName;
    try (InputStream in = DocumentSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the engine jar");
      }
      JsonNode raw = new ObjectMapper().readTree(in);
      SchemaRegistry registry =
          SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
      return new Loaded(raw, registry.getSchema(raw));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
