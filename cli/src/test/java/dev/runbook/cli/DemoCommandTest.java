package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code demo}: the whole story in one process, checked by its own expectations. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoCommandTest {
  @Test
  void theDemoRunsBothRunsThroughTheCommandsAndSaysItBehavedAsExpected() {
    Cli.Result result =
        Cli.run(CliContext.of(Map.of()), "demo", "--runbook", Cli.demo().toString());

    assertEquals(0, result.exitCode(), result.toString());
    assertEquals("", result.err());
    String out = result.out();
    for (String expected :
        List.of(
            "implements every step type (notify writes its text here, as no Slack webhook is\n",
            "$ RUNBOOK_USER=carol runbook run " + Cli.demo() + " --env local -p ticket=DEMO-1\n",
            "  $ RUNBOOK_USER=carol runbook approve demo-local-DEMO-1 --gate local/review\n"
                + "  runbook: refused: carol may not decide at gate 'local/review'; allowed:"
                + " alice, bob (team db-leads)\n"
                + "  (exit 2)\n",
            "  $ RUNBOOK_USER=bob runbook approve demo-local-DEMO-1 --gate local/review"
                + " --comment 'looks right'\n"
                + "  run demo-local-DEMO-1: approved: gate local/review is open\n",
            "gate local/review approved by bob: looks right\n",
            "run demo-local-DEMO-1 COMPLETED after ",
            "notify [local] demo-local-DEMO-1: DEMO-1: carol started demo-local-DEMO-1\n",
            "local/check failed in ",
            "run demo-local-DEMO-2 FAILED after ",
            ": step check: the check failed (launched with -p fail=true)\n"
                + "undo local/announce (notify) completed: written to the worker log\n"
                + "(exit 1)\n",
            "notify [local] demo-local-DEMO-2: DEMO-2: undo of announce: demo-local-DEMO-2 did"
                + " not complete\n",
            "notify [local] demo-local-DEMO-2: DEMO-2: demo-local-DEMO-2 ended failed\n",
            "$ RUNBOOK_USER=bob runbook status demo-local-DEMO-2\n",
            "$ RUNBOOK_USER=bob runbook list\n",
            "$ RUNBOOK_USER=bob runbook audit --list --since 1h\n# Runs started in the last 1h (2)\n",
            "| demo-local-DEMO-1 | demo v1 | local | carol | DEMO-1 | COMPLETED | ",
            "$ RUNBOOK_USER=bob runbook audit demo-local-DEMO-1 --no-plan\n"
                + "# Audit of run demo-local-DEMO-1\n",
            "| Launched by | carol |\n| Ticket | DEMO-1 |\n| Status | **COMPLETED** |\n",
            "| local/review | bob | APPROVE | looks right | ")) {
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
