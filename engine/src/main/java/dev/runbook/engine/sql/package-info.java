/**
 * The SQL guards: checks on every SQL text a runbook carries, whether written in the runbook or
 * passed as a {@code sql} param.
 *
 * <p>Runbooks run production database procedures unattended, after approval. What an approver reads
 * must be what the server executes, and a slip that would be caught in a review of a migration (an
 * UPDATE without WHERE, a stray COMMIT, a DROP in a data fix) must be caught before anything runs.
 * So {@link dev.runbook.engine.sql.SqlGuard} rejects, with one fixed message per rule: empty or
 * unparseable text, more than one statement, transaction control (the engine owns the transaction,
 * its backups and its row-count checks), DDL outside migration steps, UPDATE or DELETE without a
 * real WHERE, anything but one INSERT/UPDATE/DELETE/MERGE in a change, any write or lock in a
 * read-only query, positional {@code ?} parameters, and server functions that reach outside the
 * data (killing sessions, reading files, sleeping, calling other servers).
 *
 * <p>The compiler runs the guards when it compiles a runbook; the worker runs them again on the
 * final text just before execution, because {@code sql} params arrive at run time. The guards are
 * pure functions of the text, so both always agree.
 *
 * <p>They are strict on purpose. Comments, casing, CTEs and {@code ;} cannot hide anything:
 * statements are counted on tokens as well as by the parser, and text that PostgreSQL and MySQL
 * would read differently ({@code #}, {@code --x}, {@code /*! *}{@code /}, nested comments, a
 * backslash before a quote, dollar quotes) is refused rather than guessed at. Parsing is bounded in
 * time, and no input makes {@code analyze} throw.
 */
package dev.runbook.engine.sql;
