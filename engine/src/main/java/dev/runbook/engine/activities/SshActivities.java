package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** SSH tunnels through the jump box, host keys verified. Idempotent (joins an open tunnel). */
@ActivityInterface
public interface SshActivities {
  @ActivityMethod(name = "ssh.tunnel")
  StepResult tunnel(StepRequest request);
}
