package dev.runbook.engine.expr;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.parser.ASTAddNode;
import org.apache.commons.jexl3.parser.ASTAmbiguous;
import org.apache.commons.jexl3.parser.ASTAndNode;
import org.apache.commons.jexl3.parser.ASTAnnotatedStatement;
import org.apache.commons.jexl3.parser.ASTAnnotation;
import org.apache.commons.jexl3.parser.ASTArguments;
import org.apache.commons.jexl3.parser.ASTArrayAccess;
import org.apache.commons.jexl3.parser.ASTArrayLiteral;
import org.apache.commons.jexl3.parser.ASTAssignment;
import org.apache.commons.jexl3.parser.ASTBitwiseAndNode;
import org.apache.commons.jexl3.parser.ASTBitwiseComplNode;
import org.apache.commons.jexl3.parser.ASTBitwiseOrNode;
import org.apache.commons.jexl3.parser.ASTBitwiseXorNode;
import org.apache.commons.jexl3.parser.ASTBlock;
import org.apache.commons.jexl3.parser.ASTBreak;
import org.apache.commons.jexl3.parser.ASTCaseExpression;
import org.apache.commons.jexl3.parser.ASTCaseStatement;
import org.apache.commons.jexl3.parser.ASTConstructorNode;
import org.apache.commons.jexl3.parser.ASTContinue;
import org.apache.commons.jexl3.parser.ASTDecrementGetNode;
import org.apache.commons.jexl3.parser.ASTDefineVars;
import org.apache.commons.jexl3.parser.ASTDivNode;
import org.apache.commons.jexl3.parser.ASTDoWhileStatement;
import org.apache.commons.jexl3.parser.ASTEQNode;
import org.apache.commons.jexl3.parser.ASTEQSNode;
import org.apache.commons.jexl3.parser.ASTERNode;
import org.apache.commons.jexl3.parser.ASTEWNode;
import org.apache.commons.jexl3.parser.ASTEmptyFunction;
import org.apache.commons.jexl3.parser.ASTExtendedLiteral;
import org.apache.commons.jexl3.parser.ASTFalseNode;
import org.apache.commons.jexl3.parser.ASTForeachStatement;
import org.apache.commons.jexl3.parser.ASTFunctionNode;
import org.apache.commons.jexl3.parser.ASTGENode;
import org.apache.commons.jexl3.parser.ASTGTNode;
import org.apache.commons.jexl3.parser.ASTGetDecrementNode;
import org.apache.commons.jexl3.parser.ASTGetIncrementNode;
import org.apache.commons.jexl3.parser.ASTIdentifier;
import org.apache.commons.jexl3.parser.ASTIdentifierAccess;
import org.apache.commons.jexl3.parser.ASTIdentifierAccessSafe;
import org.apache.commons.jexl3.parser.ASTIfStatement;
import org.apache.commons.jexl3.parser.ASTIncrementGetNode;
import org.apache.commons.jexl3.parser.ASTInstanceOf;
import org.apache.commons.jexl3.parser.ASTJexlLambda;
import org.apache.commons.jexl3.parser.ASTJexlScript;
import org.apache.commons.jexl3.parser.ASTLENode;
import org.apache.commons.jexl3.parser.ASTLTNode;
import org.apache.commons.jexl3.parser.ASTMapEntry;
import org.apache.commons.jexl3.parser.ASTMapLiteral;
import org.apache.commons.jexl3.parser.ASTMethodNode;
import org.apache.commons.jexl3.parser.ASTModNode;
import org.apache.commons.jexl3.parser.ASTMulNode;
import org.apache.commons.jexl3.parser.ASTNENode;
import org.apache.commons.jexl3.parser.ASTNESNode;
import org.apache.commons.jexl3.parser.ASTNEWNode;
import org.apache.commons.jexl3.parser.ASTNRNode;
import org.apache.commons.jexl3.parser.ASTNSWNode;
import org.apache.commons.jexl3.parser.ASTNamespaceIdentifier;
import org.apache.commons.jexl3.parser.ASTNotInstanceOf;
import org.apache.commons.jexl3.parser.ASTNotNode;
import org.apache.commons.jexl3.parser.ASTNullLiteral;
import org.apache.commons.jexl3.parser.ASTNullpNode;
import org.apache.commons.jexl3.parser.ASTNumberLiteral;
import org.apache.commons.jexl3.parser.ASTOrNode;
import org.apache.commons.jexl3.parser.ASTQualifiedIdentifier;
import org.apache.commons.jexl3.parser.ASTRangeNode;
import org.apache.commons.jexl3.parser.ASTReference;
import org.apache.commons.jexl3.parser.ASTReferenceExpression;
import org.apache.commons.jexl3.parser.ASTReturnStatement;
import org.apache.commons.jexl3.parser.ASTSWNode;
import org.apache.commons.jexl3.parser.ASTSetAddNode;
import org.apache.commons.jexl3.parser.ASTSetAndNode;
import org.apache.commons.jexl3.parser.ASTSetDivNode;
import org.apache.commons.jexl3.parser.ASTSetLiteral;
import org.apache.commons.jexl3.parser.ASTSetModNode;
import org.apache.commons.jexl3.parser.ASTSetMultNode;
import org.apache.commons.jexl3.parser.ASTSetOrNode;
import org.apache.commons.jexl3.parser.ASTSetShiftLeftNode;
import org.apache.commons.jexl3.parser.ASTSetShiftRightNode;
import org.apache.commons.jexl3.parser.ASTSetShiftRightUnsignedNode;
import org.apache.commons.jexl3.parser.ASTSetSubNode;
import org.apache.commons.jexl3.parser.ASTSetXorNode;
import org.apache.commons.jexl3.parser.ASTShiftLeftNode;
import org.apache.commons.jexl3.parser.ASTShiftRightNode;
import org.apache.commons.jexl3.parser.ASTShiftRightUnsignedNode;
import org.apache.commons.jexl3.parser.ASTSizeFunction;
import org.apache.commons.jexl3.parser.ASTStringLiteral;
import org.apache.commons.jexl3.parser.ASTSubNode;
import org.apache.commons.jexl3.parser.ASTSwitchExpression;
import org.apache.commons.jexl3.parser.ASTSwitchStatement;
import org.apache.commons.jexl3.parser.ASTTernaryNode;
import org.apache.commons.jexl3.parser.ASTThrowStatement;
import org.apache.commons.jexl3.parser.ASTTrueNode;
import org.apache.commons.jexl3.parser.ASTTryResources;
import org.apache.commons.jexl3.parser.ASTTryStatement;
import org.apache.commons.jexl3.parser.ASTUnaryMinusNode;
import org.apache.commons.jexl3.parser.ASTUnaryPlusNode;
import org.apache.commons.jexl3.parser.ASTVar;
import org.apache.commons.jexl3.parser.ASTWhileStatement;
import org.apache.commons.jexl3.parser.JexlNode;

/**
 * Walks a JEXL syntax tree and accepts only the expression language (an allow-list of node types);
 * collects the variable paths it reads. The first offending node in source order decides the
 * message.
 */
final class Validator {
  /** The only root variables. */
  static final Set<String> ROOTS = Set.of("params", "env", "run", "steps");

  /** Deepest syntax tree accepted; keeps evaluation recursion small and independent of stacks. */
  static final int MAX_DEPTH = 64;

  /** Nodes whose children are checked in turn. */
  private static final Set<Class<?>> OPERATORS =
      Set.of(
          ASTEQNode.class,
          ASTNENode.class,
          ASTLTNode.class,
          ASTLENode.class,
          ASTGTNode.class,
          ASTGENode.class,
          ASTAndNode.class,
          ASTOrNode.class,
          ASTNotNode.class,
          ASTAddNode.class,
          ASTSubNode.class,
          ASTMulNode.class,
          ASTDivNode.class,
          ASTModNode.class,
          ASTUnaryMinusNode.class,
          ASTUnaryPlusNode.class,
          ASTTernaryNode.class,
          ASTReferenceExpression.class);

  private static final Set<Class<?>> CONSTANTS =
      Set.of(ASTStringLiteral.class, ASTTrueNode.class, ASTFalseNode.class, ASTNullLiteral.class);

  private static final Set<Class<?>> CALLS =
      Set.of(
          ASTMethodNode.class,
          ASTFunctionNode.class,
          ASTArguments.class,
          ASTSizeFunction.class,
          ASTEmptyFunction.class,
          ASTConstructorNode.class,
          ASTQualifiedIdentifier.class);

  private static final Set<Class<?>> ASSIGNMENTS =
      Set.of(
          ASTAssignment.class,
          ASTSetAddNode.class,
          ASTSetSubNode.class,
          ASTSetMultNode.class,
          ASTSetDivNode.class,
          ASTSetModNode.class,
          ASTSetAndNode.class,
          ASTSetOrNode.class,
          ASTSetXorNode.class,
          ASTSetShiftLeftNode.class,
          ASTSetShiftRightNode.class,
          ASTSetShiftRightUnsignedNode.class,
          ASTIncrementGetNode.class,
          ASTDecrementGetNode.class,
          ASTGetIncrementNode.class,
          ASTGetDecrementNode.class);

  private static final Set<Class<?>> STATEMENTS =
      Set.of(
          ASTJexlLambda.class,
          ASTBlock.class,
          ASTIfStatement.class,
          ASTWhileStatement.class,
          ASTDoWhileStatement.class,
          ASTForeachStatement.class,
          ASTBreak.class,
          ASTContinue.class,
          ASTReturnStatement.class,
          ASTThrowStatement.class,
          ASTTryStatement.class,
          ASTTryResources.class,
          ASTSwitchStatement.class,
          ASTSwitchExpression.class,
          ASTCaseStatement.class,
          ASTCaseExpression.class,
          ASTAnnotatedStatement.class,
          ASTAnnotation.class,
          ASTVar.class,
          ASTDefineVars.class,
          ASTNamespaceIdentifier.class,
          ASTAmbiguous.class);

  private static final Set<Class<?>> LITERALS =
      Set.of(ASTArrayLiteral.class, ASTMapLiteral.class, ASTMapEntry.class, ASTSetLiteral.class);

  private static final Map<Class<?>, String> REJECTED_OPERATORS =
      Map.ofEntries(
          Map.entry(ASTERNode.class, "=~"),
          Map.entry(ASTNRNode.class, "!~"),
          Map.entry(ASTSWNode.class, "=^"),
          Map.entry(ASTNSWNode.class, "!^"),
          Map.entry(ASTEWNode.class, "=$"),
          Map.entry(ASTNEWNode.class, "!$"),
          Map.entry(ASTEQSNode.class, "==="),
          Map.entry(ASTNESNode.class, "!=="),
          Map.entry(ASTInstanceOf.class, "instanceof"),
          Map.entry(ASTNotInstanceOf.class, "!instanceof"),
          Map.entry(ASTRangeNode.class, ".."),
          Map.entry(ASTBitwiseAndNode.class, "&"),
          Map.entry(ASTBitwiseOrNode.class, "|"),
          Map.entry(ASTBitwiseXorNode.class, "^"),
          Map.entry(ASTBitwiseComplNode.class, "~"),
          Map.entry(ASTShiftLeftNode.class, "<<"),
          Map.entry(ASTShiftRightNode.class, ">>"),
          Map.entry(ASTShiftRightUnsignedNode.class, ">>>"),
          Map.entry(ASTNullpNode.class, "??"),
          Map.entry(ASTIdentifierAccessSafe.class, "?."),
          Map.entry(ASTExtendedLiteral.class, "..."));

  private final String source;
  private final int base;
  private final Set<List<String>> references = new LinkedHashSet<>();

  private Validator(String source, int base) {
    this.source = source;
    this.base = base;
  }

  /**
   * Checks {@code script} and returns the variable paths it reads, distinct, in source order.
   *
   * @param base index of {@code source} in the original string, for error offsets
   */
  static List<List<String>> validate(ASTJexlScript script, String source, int base)
      throws ExpressionException {
    Validator validator = new Validator(source, base);
    validator.script(script);
    return List.copyOf(validator.references);
  }

  private void script(ASTJexlScript script) throws ExpressionException {
    if (script.getClass() != ASTJexlScript.class
        || script.getPragmas() != null && !script.getPragmas().isEmpty()) {
      throw reject(Messages.statements(source), script);
    }
    int count = script.jjtGetNumChildren();
    if (count == 0) {
      throw new ExpressionException(Messages.EMPTY, base);
    }
    if (count > 1) {
      // two expressions side by side ("a b"): JEXL reads them as two statements
      int at = start(script.jjtGetChild(1));
      Lexer.Token token = Lexer.tokenAt(source, at);
      String text = token == null ? source.substring(at) : token.text();
      throw Lexer.syntax(source, base, at, Lexer.unexpected(source, at, text));
    }
    check(script.jjtGetChild(0), 1);
  }

  private void check(JexlNode node, int depth) throws ExpressionException {
    if (depth > MAX_DEPTH) {
      throw new ExpressionException(Messages.TOO_COMPLEX, base + start(node));
    }
    Class<?> type = node.getClass();
    if (type == ASTReference.class) {
      reference(node, depth);
    } else if (type == ASTIdentifier.class) {
      references.add(List.of(root((ASTIdentifier) node)));
    } else if (type == ASTNumberLiteral.class) {
      number((ASTNumberLiteral) node);
    } else if (CONSTANTS.contains(type)) {
      return;
    } else if (type == ASTTernaryNode.class && node.jjtGetNumChildren() != 3) {
      throw reject(Messages.operator("?:", source), node);
    } else if (OPERATORS.contains(type)) {
      for (int i = 0; i < node.jjtGetNumChildren(); i++) {
        check(node.jjtGetChild(i), depth + 1);
      }
    } else {
      throw rejected(node);
    }
  }

  /** {@code root.a.b['c'][0]}: a root variable followed by names and literal keys. */
  private void reference(JexlNode node, int depth) throws ExpressionException {
    int count = node.jjtGetNumChildren();
    for (int i = 0; i < count; i++) {
      if (CALLS.contains(node.jjtGetChild(i).getClass())) {
        throw reject(Messages.calls(source), node.jjtGetChild(i));
      }
    }
    JexlNode first = node.jjtGetChild(0);
    if (first.getClass() != ASTIdentifier.class) {
      if (OPERATORS.contains(first.getClass())
          || CONSTANTS.contains(first.getClass())
          || first instanceof ASTNumberLiteral) {
        throw reject(Messages.propertyOfValue(source), first);
      }
      throw rejected(first);
    }
    List<String> path = new ArrayList<>();
    path.add(root((ASTIdentifier) first));
    for (int i = 1; i < count; i++) {
      JexlNode child = node.jjtGetChild(i);
      if (child.getClass() == ASTIdentifierAccess.class) {
        path.add(String.valueOf(((ASTIdentifierAccess) child).getIdentifier()));
      } else if (child.getClass() == ASTArrayAccess.class) {
        for (int k = 0; k < child.jjtGetNumChildren(); k++) {
          path.add(literalKey(child.jjtGetChild(k)));
        }
      } else {
        throw rejected(child);
      }
    }
    if (depth + path.size() > MAX_DEPTH) {
      throw new ExpressionException(Messages.TOO_COMPLEX, base + start(node));
    }
    references.add(List.copyOf(path));
  }

  private String literalKey(JexlNode key) throws ExpressionException {
    if (key instanceof ASTStringLiteral string) {
      return string.getLiteral();
    }
    if (key instanceof ASTNumberLiteral number
        && (number.getLiteral() instanceof Integer || number.getLiteral() instanceof Long)
        && number.getLiteral().longValue() >= 0) {
      return number.getLiteral().toString();
    }
    if (CALLS.contains(key.getClass())) {
      throw reject(Messages.calls(source), key);
    }
    throw reject(Messages.literalKeys(source), key);
  }

  private String root(ASTIdentifier identifier) throws ExpressionException {
    if (identifier.getNamespace() != null) {
      throw reject(Messages.statements(source), identifier);
    }
    String name = identifier.getName();
    if (!ROOTS.contains(name)) {
      throw reject(Messages.unknownName(name), identifier);
    }
    return name;
  }

  private void number(ASTNumberLiteral node) throws ExpressionException {
    Number value = node.getLiteral();
    boolean supported =
        value instanceof Integer
            || value instanceof Long
            || value instanceof java.math.BigDecimal
            || value instanceof Double d && Double.isFinite(d);
    if (!supported) {
      int at = start(node);
      Lexer.Token token = Lexer.tokenAt(source, at);
      String text = token == null ? String.valueOf(value) : token.text();
      throw Lexer.syntax(
          source, base, at, "unsupported number '" + text + "' at " + Lexer.position(source, at));
    }
  }

  private ExpressionException rejected(JexlNode node) {
    Class<?> type = node.getClass();
    if (CALLS.contains(type)) {
      return reject(Messages.calls(source), node);
    }
    if (type == ASTAssignment.class
        && node.jjtGetNumChildren() > 0
        && node.jjtGetChild(0) instanceof ASTVar) {
      return reject(Messages.statements(source), node);
    }
    if (ASSIGNMENTS.contains(type)) {
      return reject(Messages.assignment(source), node);
    }
    if (STATEMENTS.contains(type)) {
      return reject(Messages.statements(source), node);
    }
    if (LITERALS.contains(type)) {
      return reject(Messages.literals(source), node);
    }
    String operator = REJECTED_OPERATORS.get(type);
    if (operator != null) {
      return reject(Messages.operator(operator, source), node);
    }
    if (type == ASTIdentifier.class || type == ASTReference.class) {
      return reject(Messages.propertyOfValue(source), node);
    }
    return reject(Messages.unsupported(source), node);
  }

  private ExpressionException reject(String message, JexlNode node) {
    return new ExpressionException(message, base + start(node));
  }

  /** Best-effort start of a node in the source: the leftmost position along first children. */
  private int start(JexlNode node) {
    int best = Integer.MAX_VALUE;
    JexlNode n = node;
    for (int guard = 0; n != null && guard <= MAX_DEPTH + 8; guard++) {
      if (n.getLine() > 0) {
        best = Math.min(best, Lexer.index(source, n.getLine(), n.getColumn()));
      }
      n = n.jjtGetNumChildren() > 0 ? n.jjtGetChild(0) : null;
    }
    return best == Integer.MAX_VALUE ? 0 : best;
  }
}
