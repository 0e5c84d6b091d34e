package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo}: emergency-data-fix through stage and prod on seeded databases, then a variant that
 * fails in prod and is undone on stage, checked by its own expectations and here by its transcript.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DemoCommandTest {
  private static final String RUN_1 = "emergency-data-fix-prod-DEMO-1";
  private static final String RUN_2 = "emergency-data-fix-prod-DEMO-2";

  /** The seeded rows, and after run 1: ACME's open invoices voided, on both databases. */
  private static final String SEEDED =
      """
        demo_stage:  id  customer  status  total
                     1   ACME      open    120.00
                     2   ACME      open     80.50
                     3   ACME      paid     99.00
                     4   Globex    open     42.00
        demo_prod:  id  customer  status  total
                    1   ACME      open    120.00
                    2   ACME      open     80.50
                    3   ACME      paid     99.00
                    4   Globex    open     42.00
                    5   Globex    open     17.25
      """;

  private static final String FIXED = SEEDED.replace("ACME      open", "ACME      void");

  @Test
  void theDemoFixesStageThenProdThenUndoesAFailedFixAndSaysItBehavedAsExpected() {
    Cli.Result result =
        Cli.run(CliContext.of(Map.of()), "demo", "--runbook", Cli.emergencyDataFix().toString());

    assertEquals(0, result.exitCode(), result.toString());
    assertEquals("", result.err());
    String out = result.out();
    String run =
        "$ RUNBOOK_USER=carol runbook run "
            + Cli.emergencyDataFix()
            + " --env prod --environments \"$DEMO/environments\" -p database=platform -p"
            + " \"change=UPDATE invoices SET status = 'void' WHERE customer = :customer AND status"
            + " = 'open'\" -p 'bind={\"customer\": \"%s\"}' -p expectRows=%d -p \"verify=SELECT id"
            + " FROM invoices WHERE customer = :customer AND status = 'open'\" -p ticket=%s\n";
    for (String expected :
        List.of(
            "The table both databases were seeded with (prod has one more Globex invoice):\n"
                + SEEDED,
            run.formatted("ACME", 2, "DEMO-1"),
            // the gate shows the previewed rows, before -> after
            "gate stage/fix is waiting for approval\n",
            "  statement: UPDATE invoices SET status = 'void' WHERE customer = :customer AND"
                + " status = 'open'\n"
                + "  bind:      {\"customer\":\"ACME\"}\n"
                + "  expects:   2 row(s)\n"
                + "  preview:   2 row(s) would change (rolled back; nothing was applied); verify"
                + " passes; before-images are backed up on apply\n"
                + "             invoices id=1: status open -> void\n"
                + "             invoices id=2: status open -> void\n",
            // four eyes: carol is refused twice, bob and alice approve
            "  $ RUNBOOK_USER=carol runbook approve "
                + RUN_1
                + " --gate stage/fix\n"
                + "  runbook: refused: carol may not decide at gate 'stage/fix'; allowed:"
                + " alice, bob (team db-leads)\n"
                + "  (exit 2)\n",
            "  $ RUNBOOK_USER=bob runbook approve "
                + RUN_1
                + " --gate stage/fix --comment '2 ACME rows, as in the ticket'\n"
                + "  run "
                + RUN_1
                + ": approved: gate stage/fix is open\n",
            "stage/fix completed in ",
            ": 2 rows changed in invoices, verified, backup rb_bk_emergency_data_fix_prod_demo_1_fix_",
            "  $ RUNBOOK_USER=carol runbook approve "
                + RUN_1
                + " --gate promote@prod\n"
                + "  runbook: refused: carol launched this run and cannot approve it: a second"
                + " person must (four eyes)\n"
                + "  (exit 2)\n",
            "gate promote@prod approved by alice\nprod/snapshot started (aws.rds.snapshot)\n",
            "gate prod/fix approved by bob\nprod/fix completed in ",
            "run " + RUN_1 + " COMPLETED after ",
            "notify [prod] "
                + RUN_1
                + ": emergency-data-fix DEMO-1 on platform (prod): completed\n",
            // the data changed once, on both databases
            "The databases now (ACME's invoices 1 and 2 are void on stage and on prod):\n" + FIXED,
            // the failing variant: applied on stage, refused by prod's preview, undone on stage
            run.formatted("Globex", 1, "DEMO-2"),
            "             invoices id=4: status open -> void\n",
            "prod/fix failed in ",
            "run " + RUN_2 + " FAILED after ",
            ": ROW_COUNT_MISMATCH: expectRows: the statements changed 2 rows, expected exactly 1;"
                + " preview (rolled back, nothing was applied)\n"
                + "undo stage/fix (sql.restore) completed: 1 row of invoices put back from"
                + " rb_bk_emergency_data_fix_prod_demo_2_fix_",
            "(1 updated, 0 inserted)\n(exit 1)\n",
            "prod was never changed):\n" + FIXED,
            "$ RUNBOOK_USER=bob runbook status " + RUN_2 + "\n",
            "$ RUNBOOK_USER=bob runbook list\n",
            "$ RUNBOOK_USER=bob runbook backups list --environments \"$DEMO/environments\"\n",
            "3 backup tables, ",
            "$ RUNBOOK_USER=bob runbook audit --list --since 1h\n# Runs started in the last 1h (2)\n",
            "| " + RUN_1 + " | emergency-data-fix v1 | prod | carol | DEMO-1 | COMPLETED | ",
            "$ RUNBOOK_USER=bob runbook audit " + RUN_1 + " --no-plan\n# Audit of run " + RUN_1,
            "| Launched by | carol |\n| Ticket | DEMO-1 |\n| Status | **COMPLETED** |\n",
            "| stage/fix | bob | APPROVE | 2 ACME rows, as in the ticket | ",
            "| promote@prod | alice | APPROVE | - | ")) {
      assertTrue(out.contains(expected), "missing:\n" + expected + "\nin:\n" + out);
    }
    assertTrue(out.endsWith("\nThe demo behaved as expected.\n"), out);
  }

  @Test
  void withoutItsRunbookTheDemoSaysWhereToRunIt() {
    assertEquals(
        new Cli.Result(
            2,
            "",
            "runbook: nowhere/demo.yaml: no such file; run the demo from the repository root, or"
                + " pass --runbook\n"),
        Cli.run(CliContext.of(Map.of()), "demo", "--runbook", "nowhere/demo.yaml"));
  }
}
