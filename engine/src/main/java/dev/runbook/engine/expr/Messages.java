package dev.runbook.engine.expr;

/** Every user-facing message, in one place; tests and other modules rely on the exact text. */
final class Messages {
  static final String UNCLOSED = "unclosed ${{ (missing }})";
  static final String EMPTY = "empty expression";
  static final String TOO_COMPLEX = "expression too complex";
  static final String NO_TEXT_FORM = "cannot put a map/list into text";

  private Messages() {}

  /** Messages are one line: line breaks in multi-line sources become spaces. */
  static String oneLine(String source) {
    return source.replace('\n', ' ').replace('\r', ' ');
  }

  static String invalid(String source, String reason) {
    return "invalid expression '" + oneLine(source) + "': " + reason;
  }

  static String calls(String source) {
    return "function and method calls are not allowed: " + source;
  }

  static String assignment(String source) {
    return "assignment is not allowed: " + source;
  }

  static String statements(String source) {
    return "only expressions are allowed, not statements: " + source;
  }

  static String unknownName(String root) {
    return "unknown name '" + root + "': expressions may use params, env, run and steps";
  }

  static String operator(String operator, String source) {
    return "operator '" + operator + "' is not allowed: " + oneLine(source);
  }

  static String literals(String source) {
    return "list, set and map literals are not allowed: " + source;
  }

  static String literalKeys(String source) {
    return "only literal keys are allowed in [ ]: " + source;
  }

  static String propertyOfValue(String source) {
    return "property access is only allowed on params, env, run and steps: " + source;
  }

  static String unsupported(String source) {
    return "unsupported syntax: " + source;
  }

  static String unknownReference(String path) {
    return "unknown reference " + path;
  }

  static String cannotEvaluate(String source, String reason) {
    return "cannot evaluate '" + oneLine(source) + "': " + reason;
  }
}
