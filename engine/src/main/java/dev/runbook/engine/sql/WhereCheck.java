package dev.runbook.engine.sql;

import java.math.BigDecimal;
import java.util.Locale;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;

/**
 * Recognises a WHERE that selects every row anyway: {@code 1=1}, {@code TRUE}, {@code 'a'='a'},
 * {@code 1}, {@code x = x}, and an OR with such a term. Deliberately simple: it catches the
 * habitual ways of writing "everything", not every tautology.
 */
final class WhereCheck {

  private WhereCheck() {}

  static boolean alwaysTrue(Expression e) {
    Expression x = unwrap(e);
    return switch (x) {
      case null -> false;
      case OrExpression or ->
          alwaysTrue(or.getLeftExpression()) || alwaysTrue(or.getRightExpression());
      case AndExpression and ->
          alwaysTrue(and.getLeftExpression()) && alwaysTrue(and.getRightExpression());
      case NotExpression not -> alwaysFalse(not.getExpression());
      case BooleanValue b -> b.getValue();
      case Column c -> c.getFullyQualifiedName().equalsIgnoreCase("true");
      case LongValue l -> l.getBigIntegerValue().signum() != 0;
      case DoubleValue d -> d.getValue() != 0;
      case ComparisonOperator cmp -> compare(cmp) == Boolean.TRUE;
      default -> false;
    };
  }

  static boolean alwaysFalse(Expression e) {
    Expression x = unwrap(e);
    return switch (x) {
      case null -> false;
      case OrExpression or ->
          alwaysFalse(or.getLeftExpression()) && alwaysFalse(or.getRightExpression());
      case AndExpression and ->
          alwaysFalse(and.getLeftExpression()) || alwaysFalse(and.getRightExpression());
      case NotExpression not -> alwaysTrue(not.getExpression());
      case BooleanValue b -> !b.getValue();
      case Column c -> c.getFullyQualifiedName().equalsIgnoreCase("false");
      case LongValue l -> l.getBigIntegerValue().signum() == 0;
      case DoubleValue d -> d.getValue() == 0;
      case ComparisonOperator cmp -> compare(cmp) == Boolean.FALSE;
      default -> false;
    };
  }

  private static Expression unwrap(Expression e) {
    Expression x = e;
    while (true) {
      if (x instanceof Parenthesis p) {
        x = p.getExpression();
      } else if (x instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
        x = list.getFirst();
      } else {
        return x;
      }
    }
  }

  /** TRUE or FALSE when the comparison has a fixed outcome, else null. */
  private static Boolean compare(ComparisonOperator cmp) {
    Expression left = unwrap(cmp.getLeftExpression());
    Expression right = unwrap(cmp.getRightExpression());
    if (left == null || right == null) {
      return null;
    }
    Integer order = constantOrder(left, right);
    if (order == null) {
      if (sameExpression(left, right)) {
        order = 0;
      } else {
        return null;
      }
    }
    int o = order;
    return switch (cmp) {
      case EqualsTo ignored -> o == 0;
      case NotEqualsTo ignored -> o != 0;
      case GreaterThan ignored -> o > 0;
      case GreaterThanEquals ignored -> o >= 0;
      case MinorThan ignored -> o < 0;
      case MinorThanEquals ignored -> o <= 0;
      default -> null;
    };
  }

  private static Integer constantOrder(Expression left, Expression right) {
    BigDecimal l = number(left);
    BigDecimal r = number(right);
    if (l != null && r != null) {
      return l.compareTo(r);
    }
    if (left instanceof StringValue ls && right instanceof StringValue rs) {
      return ls.getValue().compareTo(rs.getValue());
    }
    return null;
  }

  private static BigDecimal number(Expression e) {
    try {
      return switch (e) {
        case LongValue l -> new BigDecimal(l.getBigIntegerValue());
        case DoubleValue d -> BigDecimal.valueOf(d.getValue());
        default -> null;
      };
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  /** The same column, bind or expression on both sides: {@code x = x}, {@code :id = :id}. */
  private static boolean sameExpression(Expression left, Expression right) {
    String l = left.toString().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    String r = right.toString().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    return l.equals(r);
  }
}
