package dev.runbook.engine.compile;

import dev.runbook.engine.diag.Category;
import dev.runbook.engine.diag.Diagnostic;
import dev.runbook.engine.diag.Diagnostics;
import dev.runbook.engine.spec.JsonPointers;
import dev.runbook.engine.spec.LoadedDocument;
import dev.runbook.engine.spec.Position;

/** Turns a JSON pointer into a positioned diagnostic of one document. */
final class Reporter {
  private final LoadedDocument document;
  private final Diagnostics out;

  Reporter(LoadedDocument document, Diagnostics out) {
    this.document = document;
    this.out = out;
  }

  String file() {
    return document.file();
  }

  Diagnostics diagnostics() {
    return out;
  }

  /** At the value the pointer names. */
  void value(Category category, String pointer, String message) {
    add(category, pointer, document.sourceMap().value(pointer), message);
  }

  /** At the key naming the member (for unknown or misplaced keys). */
  void key(Category category, String pointer, String message) {
    add(category, pointer, document.sourceMap().key(pointer), message);
  }

  /** At a character inside a scalar (an expression or SQL inside a string). */
  void inside(Category category, String pointer, int offset, String message) {
    add(category, pointer, document.sourceMap().insideScalar(pointer, offset), message);
  }

  private void add(Category category, String pointer, Position at, String message) {
    out.add(
        new Diagnostic(
            document.file(),
            at.line(),
            at.column(),
            category,
            JsonPointers.toDisplayPath(pointer),
            message));
  }
}
