package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Notifications (Slack webhook or the log). At-least-once: a retry may post twice. */
@ActivityInterface
public interface NotifyActivities {
  @ActivityMethod(name = "notify")
  StepResult notify(StepRequest request);
}
