package dev.runbook.bench;

/**
 * A realistic large runbook, generated in memory: a repeating mix of {@code sql.query}, {@code
 * sql.change} with binds, {@code approval}, {@code notify}, {@code wait} and {@code
 * aws.rds.snapshot} steps, with {@code when} expressions and references to earlier steps' outputs.
 */
public final class RunbookGenerator {
  private RunbookGenerator() {}

  /** The YAML text of a valid runbook with exactly {@code steps} steps. */
  public static String generate(int steps) {
    StringBuilder y = new StringBuilder(steps * 260);
    y.append(
        """
        # yaml-language-server: $schema=../schemas/runbook.schema.json
        apiVersion: runbook/v1
        kind: Runbook
        metadata:
          name: bench-large
          version: 1
          description: Generated runbook for the compile benchmark
          owners: [db-team]
        params:
          database:
            type: string
            enum: [platform, invoicing]
            description: Target database
          ticket:
            type: string
            pattern: '^[A-Z]+-[0-9]+$'
            default: OPS-1
          expectRows:
            type: integer
            minimum: 1
            maximum: 1000
            default: 1
          dryRun:
            type: boolean
            default: false
          hold:
            type: duration
            default: 5s
        environments: [stage, prod]
        steps:
        """);
    for (int i = 0; i < steps; i++) {
      switch (i % 6) {
        case 0 -> query(y, i);
        case 1 -> change(y, i);
        case 2 -> approval(y, i);
        case 3 -> notify(y, i);
        case 4 -> waitStep(y, i);
        default -> snapshot(y, i);
      }
    }
    y.append(
        """
        gates:
          promote:
            approvers: { group: db-team }
            timeout: 24h
            message: "${{ params.ticket }} went through stage; promote?"
        finally:
          - id: done
            uses: notify
            with:
              text: "bench-large ${{ params.ticket }} (${{ env.name }}): ${{ run.status }}"
        """);
    return y.toString();
  }

  private static void query(StringBuilder y, int i) {
    y.append("  - id: q")
        .append(i)
        .append(
            """

                name: Read invoice batch %d
                uses: sql.query
                with:
                  database: "${{ params.database }}"
                  query: "SELECT id, status, total FROM invoices WHERE batch = :batch AND status <> :status"
                  bind: { batch: %d, status: void }
                  maxRows: 100
            """
                .formatted(i, i));
  }

  private static void change(StringBuilder y, int i) {
    y.append("  - id: c")
        .append(i)
        .append(
            """

                name: Void invoice batch %d
                uses: sql.change
                when: "${{ !params.dryRun && steps.q%d.outputs.rowCount > 0 }}"
                with:
                  database: "${{ params.database }}"
                  statements:
                    - "UPDATE invoices SET status = :status WHERE batch = :batch AND status <> :status"
                  bind: { batch: %d, status: void }
                  expectRows: "${{ params.expectRows }}"
                  verify:
                    query: "SELECT id FROM invoices WHERE batch = :batch AND status <> 'void'"
                    bind: { batch: %d }
                  backup: true
            """
                .formatted(i, i - 1, i - 1, i - 1));
  }

  private static void approval(StringBuilder y, int i) {
    y.append("  - id: a")
        .append(i)
        .append(
            """

                uses: approval
                when: "${{ env.name != 'local' }}"
                with:
                  approvers: { group: db-leads }
                  timeout: 1h
                  message: "${{ params.ticket }}: batch %d changed ${{ steps.c%d.outputs.rowsAffected }} row(s)"
            """
                .formatted(i - 2, i - 1));
  }

  private static void notify(StringBuilder y, int i) {
    y.append("  - id: n")
        .append(i)
        .append(
            """

                uses: notify
                with:
                  text: "${{ params.ticket }} batch %d on ${{ params.database }} (${{ env.name }}): ${{ steps.c%d.outputs.rowsAffected }} row(s), verified ${{ steps.c%d.outputs.verified }}"
            """
                .formatted(i - 3, i - 2, i - 2));
  }

  private static void waitStep(StringBuilder y, int i) {
    y.append("  - id: w")
        .append(i)
        .append(
            """

                uses: wait
                when: "${{ env.name == 'prod' || params.expectRows > 100 }}"
                with:
                  duration: "${{ params.hold }}"
            """);
  }

  private static void snapshot(StringBuilder y, int i) {
    y.append("  - id: s")
        .append(i)
        .append(
            """

                name: Snapshot after batch %d
                uses: aws.rds.snapshot
                when: "${{ env.name == 'prod' }}"
                timeout: 2h
                with:
                  database: "${{ params.database }}"
            """
                .formatted(i - 5));
  }
}
