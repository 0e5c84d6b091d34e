/**
 * {@code ${{ ... }}} expressions in runbook strings.
 *
 * <h2>Templates</h2>
 *
 * {@link dev.runbook.engine.expr.Template#parse} splits a YAML string into text and expressions. A
 * string that is exactly one expression, ignoring surrounding whitespace, is a {@code Single} and
 * keeps the value's type; text mixed with expressions is {@code Interpolated} and renders to a
 * String (integers without ".0", decimals in plain notation without trailing zeros, null as "",
 * booleans as true/false; a map or list is an error); a string without expressions is {@code
 * Text}. {@code $${{} is the escape for a literal {@code ${{}: {@code "cost: $${{ x }}"} is the text
 * {@code "cost: ${{ x }}"}. Any {@code $} right before {@code ${{} makes it an escape, so put a
 * literal dollar before an expression inside the expression ({@code ${{ '$' + params.price }}}).
 * A {@code }}} inside a quoted string does not close an expression.
 *
 * <h2>The language</h2>
 *
 * Expressions are data, not code. Allowed: the root variables {@code params}, {@code env}, {@code
 * run} and {@code steps} followed by {@code .name} or {@code .'quoted name'} or literal keys
 * {@code ['my-step']} / list indexes {@code [0]}; string ('…' or "…"), integer, decimal, {@code
 * true}, {@code false} and {@code null} literals; {@code == != < <= > >=} (also {@code eq ne lt le
 * gt ge}); {@code && || !} and {@code and or not}; {@code + - * / %} and unary minus; {@code +}
 * with a string operand concatenates; {@code a ? b : c}; parentheses.
 *
 * <p>Rejected when parsing, with these exact messages ({@code <source>} is the expression text,
 * line breaks replaced by spaces so that every message is one line):
 *
 * <ul>
 *   <li>{@code unclosed ${{ (missing }})} and {@code empty expression};
 *   <li>{@code invalid expression '<source>': <reason>} for syntax errors, e.g. {@code unexpected
 *       'x' at column 5} (1-based column within the source), {@code unexpected end of expression},
 *       {@code unterminated string at column n}, {@code comments are not allowed at column n};
 *   <li>{@code function and method calls are not allowed: <source>} for {@code a.b()}, {@code
 *       f(x)}, {@code size(x)}, {@code empty x} and {@code new(...)};
 *   <li>{@code assignment is not allowed: <source>} for {@code =}, {@code +=} and the like, {@code
 *       ++}, {@code --};
 *   <li>{@code only expressions are allowed, not statements: <source>} for loops, lambdas, {@code
 *       var}, blocks, {@code if}, {@code return}, {@code ;}, pragmas, annotations and namespaces
 *       ({@code #}, {@code ns:f});
 *   <li>{@code unknown name '<root>': expressions may use params, env, run and steps};
 *   <li>{@code operator '<op>' is not allowed: <source>} for JEXL operators outside the language
 *       ({@code =~ !~ =^ =$ === .. & | ^ ~ << >> ?? ?: ?. instanceof}...);
 *   <li>{@code list, set and map literals are not allowed: <source>};
 *   <li>{@code only literal keys are allowed in [ ]: <source>} ({@code params[env.name]});
 *   <li>{@code property access is only allowed on params, env, run and steps: <source>} ({@code
 *       ''.class});
 *   <li>{@code expression too complex} for more than 2000 characters, brackets nested deeper than
 *       32 or a syntax tree deeper than 64 (and, as a last resort, a stack overflow).
 * </ul>
 *
 * <h2>Values and evaluation</h2>
 *
 * Scope values are String, Long/Integer, BigDecimal/Double, Boolean, null, {@code Map<String,?>}
 * and {@code List<?>}. Results are normalised: integers are {@link java.lang.Long}, decimals are
 * always {@link java.math.BigDecimal} (Double inputs via {@link
 * java.math.BigDecimal#valueOf(double)}, so 0.1 stays 0.1), maps and lists are unmodifiable copies.
 * Numbers compare by value ({@code 1 == 1.0}); values of different types are never equal and never
 * converted ({@code '1' == 1} is false, {@code '1' + 1} is "11"). Integer arithmetic is exact
 * (overflow is an error) and {@code /} between integers truncates; decimal division uses 34
 * significant digits. Conditions ({@code && || ! ? :}) need a boolean; null counts as false (JEXL's
 * ternary treats a null condition as false before any hook can see it, so null is false everywhere
 * for consistency); other values are a type error. {@code < <= > >=} need two numbers or two
 * strings; {@code + - * / %} refuse null.
 *
 * <p>Strict: reading a missing key or index is {@code unknown reference params.nope}; reading
 * through null is {@code cannot evaluate '<source>': params.a is null}; type errors are {@code
 * cannot evaluate '<source>': <reason>} (e.g. {@code cannot compare a string with an integer}).
 *
 * <h2>Sandbox</h2>
 *
 * One static, immutable JEXL engine. Besides the checks above, its parser features forbid
 * statements, side effects, calls, {@code new}, loops, lambdas, pragmas, annotations, namespaces
 * and structured literals; its introspection ({@code ScopeUberspect}) only reads existing Map
 * entries and List elements, with no reflection at all; a deny-by-default {@code JexlSandbox}
 * allows only reads on Map and List; {@code JexlPermissions} deny every package, class and member;
 * the arithmetic is the strict one described above.
 *
 * <h2>Determinism</h2>
 *
 * No clock, randomness, IO, locale or environment is consulted; equal inputs give equal outputs
 * (this code runs in Temporal workflows). The only shared state is the engine and a bounded cache
 * of parsed expressions, which never changes results. {@link dev.runbook.engine.expr.Expression}
 * and {@link dev.runbook.engine.expr.Template} are immutable and thread-safe.
 */
package dev.runbook.engine.expr;
