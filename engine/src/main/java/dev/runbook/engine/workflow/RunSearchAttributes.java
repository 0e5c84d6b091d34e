package dev.runbook.engine.workflow;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * The search attributes that make runs findable in the Temporal UI and by {@code runbook list}.
 * They must be registered on the namespace ({@code runbook dev} and the compose setup do it).
 */
public final class RunSearchAttributes {
  public static final SearchAttributeKey<String> RUNBOOK_NAME =
      SearchAttributeKey.forKeyword("RunbookName");
  public static final SearchAttributeKey<Long> RUNBOOK_VERSION =
      SearchAttributeKey.forLong("RunbookVersion");
  public static final SearchAttributeKey<String> ENVIRONMENT =
      SearchAttributeKey.forKeyword("Environment");
  public static final SearchAttributeKey<String> LAUNCHER =
      SearchAttributeKey.forKeyword("Launcher");
  public static final SearchAttributeKey<String> TICKET = SearchAttributeKey.forKeyword("Ticket");
  public static final SearchAttributeKey<String> RUN_STATUS =
      SearchAttributeKey.forKeyword("RunStatus");
  public static final SearchAttributeKey<List<String>> APPROVERS =
      SearchAttributeKey.forKeywordList("Approvers");

  /** Every key, for registration. */
  public static final List<SearchAttributeKey<?>> ALL =
      List.of(RUNBOOK_NAME, RUNBOOK_VERSION, ENVIRONMENT, LAUNCHER, TICKET, RUN_STATUS, APPROVERS);

  private RunSearchAttributes() {}
}
