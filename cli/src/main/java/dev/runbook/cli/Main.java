package dev.runbook.cli;

import dev.runbook.worker.StopSignal;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code runbook} command. */
@Command(
    name = "runbook",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Versioned YAML runbooks for production database procedures, compiled into durable,"
          + " auditable workflows with approvals, compensation and stage-then-prod ordering."
    },
    subcommands = {
      ValidateCommand.class,
      PlanCommand.class,
      IamPolicyCommand.class,
      RunCommand.class,
      ApproveCommand.class,
      RejectCommand.class,
      StatusCommand.class,
      WatchCommand.class,
      ListCommand.class,
      CancelCommand.class,
      TunnelCommand.class,
      AuditCommand.class,
      BackupsCommand.class,
      WorkerCommand.class,
      DevCommand.class,
      DemoCommand.class,
      CodecServerCommand.class,
      SchemaCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 run failed, 2 invalid input (nothing started),",
      "3 unexpected state, 4 internal error."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final CliContext context;

  Main(CliContext context) {
    this.context = context;
  }

  CliContext context() {
    return context;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    if (!StopSignal.jvmShuttingDown()) {
      System.exit(code); // a shutdown in progress (Ctrl-C, SIGTERM) exits by itself
    }
  }

  /** Runs the command with the given writers; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return execute(out, err, CliContext.system(), args);
  }

  /** Runs the command with the given writers and context; returns the exit code. */
  static int execute(PrintWriter out, PrintWriter err, CliContext context, String... args) {
    CommandLine cli = commandLine(context);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    return commandLine(CliContext.system());
  }

  static CommandLine commandLine(CliContext context) {
    CommandLine cli = new CommandLine(new Main(context));
    // help in colour only on a terminal, and never with NO_COLOR
    cli.setColorScheme(
        CommandLine.Help.defaultColorScheme(
            context.terminal().color() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
    cli.setExecutionExceptionHandler(new ErrorHandler());
    cli.setParameterExceptionHandler(new ParameterErrorHandler());
    cli.setExitCodeExceptionMapper(e -> ExitCode.INTERNAL.code());
    return cli;
  }
}
