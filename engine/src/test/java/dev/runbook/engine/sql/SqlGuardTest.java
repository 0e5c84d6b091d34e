package dev.runbook.engine.sql;

import static dev.runbook.engine.sql.SqlContext.CHANGE;
import static dev.runbook.engine.sql.SqlContext.QUERY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SqlGuardTest {

  private static List<String> findings(String sql, SqlContext context) {
    return SqlGuard.analyze(sql, context).findings().stream().map(SqlFinding::message).toList();
  }

  private static void assertFindings(String sql, SqlContext context, String... expected) {
    assertEquals(List.of(expected), findings(sql, context), sql);
  }

  // ---- acceptable statements

  static Stream<Arguments> acceptableStatements() {
    return Stream.of(
        Arguments.of("SELECT id, total FROM invoices WHERE id = :id", QUERY),
        Arguments.of(
            "select * from public.invoices i join customers c on c.id = i.customer_id", QUERY),
        Arguments.of(
            "WITH recent AS (SELECT * FROM orders WHERE created > :since) SELECT count(*) FROM recent",
            QUERY),
        Arguments.of("SELECT 1 UNION ALL SELECT 2", QUERY),
        Arguments.of("SELECT 'a;?WHERE -- /*' AS s FROM t", QUERY),
        Arguments.of("SELECT id::text, amount::numeric(10,2) FROM t WHERE a = :a::int", QUERY),
        Arguments.of("SELECT data -> 'a' ->> 'b' FROM events", QUERY),
        Arguments.of("SELECT a[1:2] FROM arrays", QUERY),
        Arguments.of("SELECT 1;", QUERY),
        Arguments.of("UPDATE invoices SET total = :total WHERE id = :id", CHANGE),
        Arguments.of("DELETE FROM sessions WHERE expires_at < now()", CHANGE),
        Arguments.of("INSERT INTO audit (id, note) VALUES (:id, 'it''s fine; really?')", CHANGE),
        Arguments.of("INSERT INTO archive SELECT * FROM orders WHERE created < :before", CHANGE),
        Arguments.of(
            "MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED THEN UPDATE SET a = s.a", CHANGE),
        Arguments.of("-- fix the totals\nUPDATE t SET a = 1 /* one row */ WHERE id = 7", CHANGE),
        Arguments.of("UPDATE t SET note = 'no WHERE here' WHERE id = 1", CHANGE));
  }

  @ParameterizedTest
  @MethodSource
  void acceptableStatements(String sql, SqlContext context) {
    assertFindings(sql, context);
  }

  // ---- rule 1: empty

  @ParameterizedTest
  @ValueSource(
      strings = {"", "   ", "\n\t", "-- only a comment", "/* nothing */", " ; ", "-- a\n/* b */ ;"})
  void rejectsEmptyText(String sql) {
    assertFindings(sql, QUERY, "SQL is empty");
  }

  @Test
  void treatsNullAsEmpty() {
    SqlAnalysis analysis = SqlGuard.analyze(null, CHANGE);
    assertEquals(List.of(new SqlFinding("SQL is empty")), analysis.findings());
    assertEquals(StatementType.OTHER, analysis.type());
  }

  // ---- rule 2: parse errors

  @Test
  void reportsParseErrorsOnOneLineWithPosition() {
    assertFindings("SELEC 1", QUERY, "cannot parse SQL: unexpected \"SELEC\" at line 1, column 1");
  }

  @Test
  void reportsParseErrorsOnLaterLines() {
    assertFindings(
        "SELECT a\nFROM t\nWHERE a = = 1",
        QUERY,
        "cannot parse SQL: unexpected \"=\" at line 3, column 11");
  }

  @Test
  void reportsUnterminatedStringLiteral() {
    assertFindings(
        "SELECT 'abc", QUERY, "cannot parse SQL: unterminated string literal at line 1, column 8");
  }

  @Test
  void reportsParseTimeoutOrDepthWithoutThrowing() {
    String deep = "SELECT " + "(".repeat(5000) + "1" + ")".repeat(5000);
    List<String> found = findings(deep, QUERY);
    assertEquals(1, found.size());
    assertTrue(
        found.getFirst().equals("cannot parse SQL: took too long")
            || found.getFirst().equals("cannot parse SQL: nested too deeply"),
        found.getFirst());
  }

  // ---- rule 3: one statement

  @Test
  void rejectsTwoStatements() {
    assertFindings("SELECT 1; DROP TABLE users", QUERY, "one statement per string, found 2");
  }

  @Test
  void rejectsCommitAfterChange() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1;COMMIT", CHANGE, "one statement per string, found 2");
  }

  @Test
  void rejectsStatementHiddenAfterComment() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1 /* done */ ; -- and\n DELETE FROM t",
        CHANGE,
        "one statement per string, found 2");
  }

  @Test
  void countsStatementsTheParserCannotRead() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1; START TRANSACTION; RELEASE SAVEPOINT x",
        CHANGE,
        "one statement per string, found 3");
  }

  @Test
  void countsStatementsSeparatedByGo() {
    assertFindings("SELECT 1\nGO\nSELECT 2", QUERY, "one statement per string, found 2");
  }

  @Test
  void reportsTypeOfFirstStatementWhenThereAreSeveral() {
    assertEquals(
        StatementType.SELECT, SqlGuard.analyze("SELECT 1; DROP TABLE users", QUERY).type());
  }

  // ---- rule 4: transaction control

  static Stream<Arguments> transactionControl() {
    return Stream.of(
        Arguments.of("BEGIN", "BEGIN"),
        Arguments.of("begin transaction", "BEGIN"),
        Arguments.of("START TRANSACTION", "START TRANSACTION"),
        Arguments.of("COMMIT", "COMMIT"),
        Arguments.of("commit work", "COMMIT"),
        Arguments.of("ROLLBACK", "ROLLBACK"),
        Arguments.of("ROLLBACK TO SAVEPOINT a", "ROLLBACK"),
        Arguments.of("SAVEPOINT a", "SAVEPOINT"),
        Arguments.of("RELEASE SAVEPOINT a", "RELEASE SAVEPOINT"),
        Arguments.of("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET TRANSACTION"),
        Arguments.of("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SET TRANSACTION"),
        Arguments.of("SET autocommit = 0", "SET AUTOCOMMIT"),
        Arguments.of("set @@session.autocommit=1", "SET AUTOCOMMIT"),
        Arguments.of("/* sneaky */ cOmMiT", "COMMIT"));
  }

  @ParameterizedTest
  @MethodSource
  void transactionControl(String sql, String keyword) {
    String expected =
        "transaction control (" + keyword + ") is not allowed: the engine owns the transaction";
    for (SqlContext context : SqlContext.values()) {
      SqlAnalysis analysis = SqlGuard.analyze(sql, context);
      assertEquals(List.of(new SqlFinding(expected)), analysis.findings(), sql);
      assertEquals(StatementType.TRANSACTION_CONTROL, analysis.type());
    }
  }

  // ---- rule 5: DDL

  static Stream<Arguments> ddl() {
    return Stream.of(
        Arguments.of("DROP TABLE users", "DROP TABLE"),
        Arguments.of("drop table if exists users", "DROP TABLE"),
        Arguments.of("CREATE TABLE t (id int)", "CREATE TABLE"),
        Arguments.of("CREATE UNIQUE INDEX i ON t (a)", "CREATE INDEX"),
        Arguments.of("CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX"),
        Arguments.of("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE VIEW"),
        Arguments.of("CREATE MATERIALIZED VIEW v AS SELECT 1", "CREATE MATERIALIZED VIEW"),
        Arguments.of("ALTER TABLE t ADD COLUMN x int", "ALTER TABLE"),
        Arguments.of("TRUNCATE t", "TRUNCATE"),
        Arguments.of("TRUNCATE TABLE t", "TRUNCATE TABLE"),
        Arguments.of("RENAME TABLE a TO b", "RENAME TABLE"),
        Arguments.of("COMMENT ON TABLE t IS 'x'", "COMMENT ON"),
        Arguments.of("GRANT SELECT ON t TO bob", "GRANT"),
        Arguments.of("REVOKE SELECT ON t FROM bob", "REVOKE"));
  }

  @ParameterizedTest
  @MethodSource
  void ddl(String sql, String what) {
    String expected = "DDL (" + what + ") is only allowed in migration steps";
    for (SqlContext context : List.of(QUERY, CHANGE)) { // MigrationSqlGuardTest: allowed there
      SqlAnalysis analysis = SqlGuard.analyze(sql, context);
      assertEquals(List.of(new SqlFinding(expected)), analysis.findings(), sql);
      assertEquals(StatementType.DDL, analysis.type());
    }
  }

  // ---- rule 6: WHERE

  @Test
  void rejectsUpdateWithoutWhere() {
    assertFindings(
        "UPDATE invoices SET total = 0",
        CHANGE,
        "UPDATE without WHERE would change every row of invoices");
  }

  @Test
  void rejectsDeleteWithoutWhere() {
    assertFindings(
        "DELETE FROM public.sessions",
        CHANGE,
        "DELETE without WHERE would delete every row of public.sessions");
  }

  @Test
  void rejectsWhereHiddenInLineComment() {
    assertFindings(
        "UPDATE t SET a=1 -- WHERE id=1",
        CHANGE,
        "UPDATE without WHERE would change every row of t");
  }

  @Test
  void rejectsWhereHiddenInBlockComment() {
    assertFindings(
        "DELETE FROM t /* WHERE id = 1 */",
        CHANGE,
        "DELETE without WHERE would delete every row of t");
  }

  @Test
  void rejectsMixedCaseUpdateWithoutWhere() {
    assertFindings(
        "uPdAtE T sEt a = 1", CHANGE, "UPDATE without WHERE would change every row of T");
  }

  @Test
  void rejectsUpdateWithoutWhereAfterCte() {
    assertFindings(
        "WITH x AS (SELECT 1) UPDATE t SET a = 1",
        CHANGE,
        "UPDATE without WHERE would change every row of t");
  }

  @Test
  void rejectsUpdateWhoseWhereIsOnlyInsideAString() {
    assertFindings(
        "UPDATE t SET note = 'WHERE id = 1'",
        CHANGE,
        "UPDATE without WHERE would change every row of t");
  }

  @Test
  void rejectsMySqlDeleteWithLimitButNoWhere() {
    assertFindings(
        "DELETE FROM `orders` LIMIT 10",
        CHANGE,
        "DELETE without WHERE would delete every row of orders");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1=1",
        "TRUE",
        "'a'='a'",
        "1",
        "x = x",
        "id = 5 OR 1 = 1",
        "(1 = 1)",
        "NOT 1 = 0",
        "2 > 1",
        ":id = :id",
        "1=1 AND 2=2",
        "true OR id = 1"
      })
  void rejectsWhereThatIsAlwaysTrue(String where) {
    assertFindings(
        "UPDATE t SET a = 1 WHERE " + where,
        CHANGE,
        "WHERE is always true: UPDATE would change every row of t");
    assertFindings(
        "DELETE FROM t WHERE " + where,
        CHANGE,
        "WHERE is always true: DELETE would delete every row of t");
  }

  @ParameterizedTest
  @ValueSource(strings = {"id = 1", "1 = 0", "a = b", "id = 5 AND 1 = 1", "x = :x", "'a' = 'b'"})
  void acceptsWhereThatIsNotAlwaysTrue(String where) {
    assertFindings("UPDATE t SET a = 1 WHERE " + where, CHANGE);
  }

  // ---- rule 7: CHANGE allows only data changes

  static Stream<Arguments> notAChange() {
    return Stream.of(
        Arguments.of("SELECT * FROM t", "SELECT"),
        Arguments.of("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT"),
        Arguments.of("CALL do_it()", "CALL"),
        Arguments.of("SET search_path = admin", "SET"),
        Arguments.of("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "LOCK"),
        Arguments.of("COPY t FROM '/tmp/x'", "COPY"),
        Arguments.of("EXECUTE plan", "EXECUTE"),
        Arguments.of("DO 'BEGIN NULL; END'", "DO"),
        Arguments.of("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN"),
        Arguments.of("VACUUM t", "VACUUM"));
  }

  @ParameterizedTest
  @MethodSource
  void notAChange(String sql, String found) {
    assertFindings(sql, CHANGE, "a change must be INSERT, UPDATE, DELETE or MERGE, found " + found);
  }

  @Test
  void rejectsDataModifyingCteInsideAChange() {
    assertFindings(
        "WITH d AS (DELETE FROM t RETURNING *) INSERT INTO archive SELECT * FROM d",
        CHANGE,
        "DELETE without WHERE would delete every row of t",
        "a change must be a single INSERT, UPDATE, DELETE or MERGE, found a nested DELETE");
  }

  // ---- rule 8: QUERY is read-only

  @Test
  void rejectsDataModifyingCteInAQuery() {
    assertFindings(
        "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d",
        QUERY,
        "a read-only query may not contain DELETE");
  }

  @Test
  void rejectsUpdateInAQuery() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1", QUERY, "a read-only query may not contain UPDATE");
  }

  @Test
  void rejectsInsertWithConflictUpdateInAQueryOnce() {
    assertFindings(
        "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2",
        QUERY,
        "a read-only query may not contain INSERT");
  }

  @Test
  void rejectsSelectInto() {
    assertFindings(
        "SELECT * INTO copy FROM t", QUERY, "a read-only query may not contain SELECT INTO");
  }

  @Test
  void rejectsSelectForUpdate() {
    assertFindings(
        "SELECT * FROM t WHERE id = 1 FOR UPDATE",
        QUERY,
        "a read-only query may not contain FOR UPDATE");
  }

  @Test
  void rejectsSelectForShare() {
    assertFindings(
        "SELECT * FROM t FOR SHARE", QUERY, "a read-only query may not contain FOR SHARE");
  }

  @Test
  void rejectsOtherStatementsInAQuery() {
    assertFindings("CALL refresh()", QUERY, "a read-only query must be a SELECT, found CALL");
    assertFindings("SET search_path = x", QUERY, "a read-only query must be a SELECT, found SET");
  }

  @Test
  void acceptsColumnsNamedLikeWriteKeywordsWhenQuoted() {
    assertFindings("SELECT \"update\", t.\"delete\" FROM t", QUERY);
  }

  // ---- rule 9: positional parameters

  @Test
  void rejectsPositionalParameters() {
    assertFindings("SELECT * FROM t WHERE id = ?", QUERY, "use :named bind parameters, not ?");
  }

  @Test
  void acceptsQuestionMarkInsideStringsAndComments() {
    assertFindings("SELECT 'why?' /* really? */ FROM t -- sure?", QUERY);
  }

  // ---- rule 10: dangerous functions

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT pg_sleep(10)",
        "SELECT PG_SLEEP (10)",
        "SELECT pg_catalog.pg_sleep(1)",
        "SELECT \"pg_sleep\"(1)",
        "SELECT * FROM t WHERE id = 1 AND pg_sleep(1) IS NOT NULL"
      })
  void rejectsSleeping(String sql) {
    assertFindings(sql, QUERY, "function pg_sleep is not allowed here");
  }

  @Test
  void rejectsTerminatingSessions() {
    assertFindings(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :user",
        QUERY,
        "function pg_terminate_backend is not allowed here");
  }

  @Test
  void rejectsDblinkAsTableFunction() {
    assertFindings(
        "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)",
        QUERY,
        "function dblink is not allowed here");
  }

  @Test
  void rejectsDangerousFunctionsInReturningAndConflictClauses() {
    assertFindings(
        "INSERT INTO t (id) VALUES (:id) ON CONFLICT (id) DO UPDATE SET a = sleep(5)",
        CHANGE,
        "function sleep is not allowed here");
  }

  @Test
  void acceptsTableNamedLikeAFunction() {
    assertFindings("INSERT INTO benchmark (id) VALUES (1)", CHANGE);
  }

  @Test
  void reportsSeveralRulesInRuleOrder() {
    assertFindings(
        "UPDATE t SET a = benchmark(1000, md5('x')), b = ?",
        CHANGE,
        "UPDATE without WHERE would change every row of t",
        "use :named bind parameters, not ?",
        "function benchmark is not allowed here");
  }

  // ---- binds

  @Test
  void extractsBindNamesInOrderDistinct() {
    SqlAnalysis analysis =
        SqlGuard.analyze(
            "UPDATE t SET a = :a, b = :b::int WHERE id = :id AND a <> :a AND c = 'x:y' -- :z",
            CHANGE);
    assertEquals(List.of("a", "b", "id"), analysis.bindNames());
  }

  @Test
  void extractsBindNamesFromSubqueriesCtesAndConflictClauses() {
    SqlAnalysis analysis =
        SqlGuard.analyze(
            "WITH s AS (SELECT id FROM src WHERE batch = :batch) "
                + "INSERT INTO dst (id, note) SELECT id, :note FROM s "
                + "ON CONFLICT (id) DO UPDATE SET note = :other",
            CHANGE);
    assertEquals(List.of("batch", "note", "other"), analysis.bindNames());
    assertTrue(analysis.ok(), analysis.findings()::toString);
  }

  @Test
  void doesNotMistakeCastsOrSlicesForBinds() {
    SqlAnalysis analysis =
        SqlGuard.analyze("SELECT a::text, b[1:n], c[:i] FROM t WHERE d = :d::date", QUERY);
    assertEquals(List.of("i", "d"), analysis.bindNames());
  }

  // ---- tables

  @Test
  void reportsWrittenTableAsWrittenWithoutQuotes() {
    assertEquals(
        List.of("public.Invoices"),
        SqlGuard.analyze("UPDATE \"public\".\"Invoices\" SET a = 1 WHERE id = 1", CHANGE).tables());
  }

  @Test
  void reportsReadTablesInOrderWithoutCteNames() {
    SqlAnalysis analysis =
        SqlGuard.analyze(
            "WITH r AS (SELECT * FROM public.orders) "
                + "SELECT * FROM r JOIN customers c ON c.id = r.customer_id "
                + "WHERE exists (SELECT 1 FROM refunds f WHERE f.order_id = r.id)",
            QUERY);
    assertEquals(List.of("public.orders", "customers", "refunds"), analysis.tables());
    assertEquals(StatementType.SELECT, analysis.type());
  }

  // ---- MySQL

  @Test
  void acceptsMySqlBackticksAndOnDuplicateKeyUpdate() {
    SqlAnalysis analysis =
        SqlGuard.analyze(
            "INSERT INTO `orders` (`id`, `total`) VALUES (:id, :total) "
                + "ON DUPLICATE KEY UPDATE `total` = :total",
            CHANGE);
    assertEquals(List.of(), analysis.findings());
    assertEquals(StatementType.INSERT, analysis.type());
    assertEquals(List.of("orders"), analysis.tables());
    assertEquals(List.of("id", "total"), analysis.bindNames());
  }

  @Test
  void acceptsMySqlDeleteWithWhereAndLimit() {
    assertFindings("DELETE FROM `orders` WHERE `status` = :status LIMIT 1000", CHANGE);
  }

  @Test
  void acceptsMySqlMultiTableUpdate() {
    SqlAnalysis analysis =
        SqlGuard.analyze("UPDATE a JOIN b ON a.id = b.id SET a.x = 1 WHERE b.y = 2", CHANGE);
    assertEquals(List.of(), analysis.findings());
    assertEquals(List.of("a", "b"), analysis.tables());
  }

  @Test
  void refusesMySqlHashCommentThatWouldHideTheWhere() {
    assertFindings(
        "UPDATE t SET a = 1 # 1 WHERE id = 1",
        CHANGE,
        "cannot parse SQL: \"#\" is a comment in MySQL but an operator in PostgreSQL at line 1,"
            + " column 20");
  }

  @Test
  void refusesMySqlExecutableComment() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1 /*! OR 1=1 */",
        CHANGE,
        "cannot parse SQL: MySQL executable comments (/*! ... */) are not allowed at line 1,"
            + " column 33");
  }

  @Test
  void refusesDashDashWithoutSpaceWhichMySqlReadsAsMinusMinus() {
    assertFindings(
        "UPDATE t SET a = 1 WHERE id = 1 --1 OR 1=1",
        CHANGE,
        "cannot parse SQL: write \"-- \" with a space: MySQL does not read \"--\" directly followed"
            + " by text as a comment at line 1, column 33");
  }

  @Test
  void refusesBackslashQuoteThatMySqlAndPostgresReadDifferently() {
    assertFindings(
        "UPDATE t SET a = '\\' WHERE id = 1 -- '",
        CHANGE,
        "cannot parse SQL: a backslash before a quote is read differently by MySQL and PostgreSQL"
            + " at line 1, column 19");
  }

  @Test
  void refusesNestedCommentsThatPostgresAndMySqlCloseDifferently() {
    assertFindings(
        "UPDATE t SET a = 1 /* /* */ WHERE id = 1 */",
        CHANGE,
        "cannot parse SQL: nested comments are not allowed at line 1, column 23");
  }

  // ---- PostgreSQL

  @Test
  void acceptsPostgresUpdateFromWithReturning() {
    SqlAnalysis analysis =
        SqlGuard.analyze(
            "UPDATE invoices i SET total = s.total FROM staging s WHERE i.id = s.id RETURNING i.id",
            CHANGE);
    assertEquals(List.of(), analysis.findings());
    assertEquals(StatementType.UPDATE, analysis.type());
    assertEquals(List.of("invoices"), analysis.tables());
  }

  @Test
  void acceptsPostgresOnConflictDoUpdate() {
    assertFindings(
        "INSERT INTO t (id, a) VALUES (:id, :a) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a",
        CHANGE);
  }

  @Test
  void acceptsPostgresDeleteUsing() {
    SqlAnalysis analysis =
        SqlGuard.analyze("DELETE FROM t USING s WHERE t.id = s.id AND s.batch = :batch", CHANGE);
    assertEquals(List.of(), analysis.findings());
    assertEquals(StatementType.DELETE, analysis.type());
    assertEquals(List.of("t"), analysis.tables());
  }

  @Test
  void refusesDollarQuotedStrings() {
    assertFindings(
        "SELECT $$ ; $$",
        QUERY,
        "cannot parse SQL: dollar-quoted strings are not supported at line 1, column 8");
  }

  // ---- robustness

  @ParameterizedTest
  @ValueSource(
      strings = {
        "'",
        "\"",
        "`",
        "/*",
        "$",
        "::",
        ":",
        "[",
        "]]]",
        "(((",
        "\u0000",
        "SELECT \u00a7",
        "\\gexec",
        "SELECT 1 FROM",
        ";;;;x",
        "?",
        "--",
        "-- x\n--"
      })
  void neverThrows(String sql) {
    for (SqlContext context : SqlContext.values()) {
      SqlAnalysis analysis = SqlGuard.analyze(sql, context);
      assertTrue(analysis.findings().size() >= 1 || analysis.ok());
    }
    SqlGuard.analyze(sql, null);
  }
}
