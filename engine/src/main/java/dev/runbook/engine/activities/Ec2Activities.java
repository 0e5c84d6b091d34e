package dev.runbook.engine.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The jump box and its security group. Each method is idempotent: starting a running instance or
 * adding a rule that exists is success.
 */
@ActivityInterface
public interface Ec2Activities {
  @ActivityMethod(name = "aws.ec2.start")
  StepResult start(StepRequest request);

  @ActivityMethod(name = "aws.ec2.stop")
  StepResult stop(StepRequest request);

  @ActivityMethod(name = "aws.ec2.allow-ingress")
  StepResult allowIngress(StepRequest request);

  @ActivityMethod(name = "aws.ec2.revoke-ingress")
  StepResult revokeIngress(StepRequest request);
}
