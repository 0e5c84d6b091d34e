package dev.runbook.engine.plan;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The run events the interpreter announces on its own (no {@code notify} step needed), to the
 * environment's notification channel. A stage's facts list the ones its environment and runbook
 * asked for ({@code notices}).
 */
public enum NoticeEvent {
  /** A gate opened: who must decide, until when, and the exact approve command. */
  APPROVAL_NEEDED("approval-needed"),
  /** The run completed. */
  COMPLETED("completed"),
  /** The run ended otherwise (failed, rejected, timed out, cancelled); every undo ran. */
  FAILED("failed"),
  /** The run ended and at least one undo failed: someone must clean up by hand. */
  COMPENSATION_INCOMPLETE("compensation-incomplete");

  /** The facts field of a stage that lists the events its environment announces. */
  public static final String FACT = "notices";

  private final String id;

  NoticeEvent(String id) {
    this.id = id;
  }

  /** The name used in environment files, runbooks and plans. */
  public String id() {
    return id;
  }

  public static Optional<NoticeEvent> of(String id) {
    return Arrays.stream(values()).filter(e -> e.id.equals(id)).findFirst();
  }

  /** Every event's id, in declaration order. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(NoticeEvent::id).toList();
  }
}
