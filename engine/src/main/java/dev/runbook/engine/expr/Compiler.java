package dev.runbook.engine.expr;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlInfo;
import org.apache.commons.jexl3.parser.ASTJexlScript;
import org.apache.commons.jexl3.parser.Parser;
import org.apache.commons.jexl3.parser.StringProvider;
import org.apache.commons.jexl3.parser.TokenMgrException;

/**
 * Turns expression source into a checked, ready-to-run JEXL expression. Results are cached per
 * source in a bounded LRU map; failures are not cached (their offsets depend on the template).
 */
final class Compiler {
  /** Most distinct sources kept. */
  static final int CACHE_SIZE = 1024;

  /**
   * The classifying parse accepts all of JEXL's syntax so that {@link Validator} can name what is
   * wrong; the evaluation engine is the strict one ({@link Sandbox#FEATURES}).
   */
  private static final JexlFeatures CLASSIFY = JexlFeatures.createAll();

  /** Tokens after which JEXL tends to report the problem at the token before the culprit. */
  private static final Set<String> LEADS =
      Set.of(
          "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "(", "[", ".",
          "?", ":", ",", "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "===", "!==", "=",
          "=~", "!~");

  private static final Map<String, Compiled> CACHE =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Compiled> eldest) {
              return size() > CACHE_SIZE;
            }
          });

  private Compiler() {}

  /** A checked expression: what it reads and the JEXL expression that evaluates it. */
  record Compiled(List<List<String>> references, JexlExpression jexl) {}

  /**
   * @param source trimmed, non-empty expression source
   * @param base index of {@code source} in the original string, for error offsets
   */
  static Compiled compile(String source, int base) throws ExpressionException {
    Compiled cached = CACHE.get(source);
    if (cached != null) {
      return cached;
    }
    Compiled compiled;
    try {
      Lexer.precheck(source, base);
      List<List<String>> references = Validator.validate(parse(source, base), source, base);
      compiled = new Compiled(references, Sandbox.ENGINE.createExpression(source));
    } catch (StackOverflowError deep) {
      throw new ExpressionException(Messages.TOO_COMPLEX, base);
    } catch (JexlException refused) {
      // the strict engine refused what the validator accepted: never expected, still no leak
      throw Lexer.syntax(source, base, 0, "not supported");
    }
    CACHE.put(source, compiled);
    return compiled;
  }

  private static ASTJexlScript parse(String source, int base) throws ExpressionException {
    try {
      return new Parser(new StringProvider(source))
          .parse(new JexlInfo("expression", 1, 1), CLASSIFY, source, null);
    } catch (JexlException.Tokenization bad) {
      int at = at(source, bad);
      if (at >= source.length()) {
        throw Lexer.syntax(source, base, at, "unexpected end of expression");
      }
      String text = String.valueOf(source.charAt(at));
      throw Lexer.syntax(source, base, at, Lexer.unexpected(source, at, text));
    } catch (JexlException.Parsing bad) {
      throw parseError(source, base, bad);
    } catch (TokenMgrException bad) {
      // The parser reads its first token before parse() can wrap the lexer's error: a character
      // no token starts with (a no-break space pasted after ${{) lands here.
      int at = bad.getLine() <= 0 ? 0 : Lexer.index(source, bad.getLine(), bad.getColumn());
      at = Math.min(Math.max(at, 0), Math.max(source.length() - 1, 0));
      if (source.isEmpty()) {
        throw Lexer.syntax(source, base, 0, "unexpected end of expression");
      }
      char c = source.charAt(at);
      // Name an invisible or non-ASCII character by its code point, not as a blank.
      String shown = c > ' ' && c < 0x7f ? String.valueOf(c) : String.format("U+%04X", (int) c);
      throw Lexer.syntax(source, base, at, Lexer.unexpected(source, at, shown));
    } catch (JexlException | IllegalStateException bad) {
      throw Lexer.syntax(source, base, 0, "cannot parse");
    }
  }

  /** JEXL points at a token near the problem; turn it into "unexpected 'x' at column n". */
  private static ExpressionException parseError(
      String source, int base, JexlException.Parsing bad) {
    Lexer.Token reported = Lexer.tokenAt(source, at(source, bad));
    Lexer.Token first = Lexer.tokenAt(source, 0);
    if (reported == null) {
      return Lexer.syntax(source, base, source.length(), "unexpected end of expression");
    }
    Lexer.Token next = Lexer.tokenAt(source, reported.end());
    Lexer.Token culprit;
    if (first != null && reported.start() == first.start()) {
      culprit = reported;
    } else if (next == null) {
      return Lexer.syntax(source, base, source.length(), "unexpected end of expression");
    } else {
      culprit = LEADS.contains(reported.text()) ? next : reported;
    }
    return Lexer.syntax(
        source, base, culprit.start(), Lexer.unexpected(source, culprit.start(), culprit.text()));
  }

  private static int at(String source, JexlException bad) {
    JexlInfo info = bad.getInfo();
    return info == null || info.getLine() <= 0
        ? 0
        : Lexer.index(source, info.getLine(), info.getColumn());
  }
}
