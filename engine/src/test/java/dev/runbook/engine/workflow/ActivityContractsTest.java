package dev.runbook.engine.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.engine.activities.Ec2Activities;
import dev.runbook.engine.activities.ExecActivities;
import dev.runbook.engine.activities.FlywayActivities;
import dev.runbook.engine.activities.NotifyActivities;
import dev.runbook.engine.activities.PrismaActivities;
import dev.runbook.engine.activities.RdsActivities;
import dev.runbook.engine.activities.SecretsActivities;
import dev.runbook.engine.activities.SqlActivities;
import dev.runbook.engine.activities.SshActivities;
import dev.runbook.engine.activities.StepRequest;
import dev.runbook.engine.activities.StepResult;
import dev.runbook.engine.steps.Execution;
import dev.runbook.engine.steps.StepType;
import dev.runbook.engine.steps.StepTypes;
import io.temporal.activity.ActivityMethod;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivityContractsTest {
  static final List<Class<?>> INTERFACES =
      List.of(
          SqlActivities.class,
          Ec2Activities.class,
          SecretsActivities.class,
          SshActivities.class,
          RdsActivities.class,
          FlywayActivities.class,
          PrismaActivities.class,
          ExecActivities.class,
          NotifyActivities.class);

  @Test
  void everyActivityStepTypeIsExactlyOneActivityNamedAfterIt() {
    List<String> names = new ArrayList<>();
    for (Class<?> type : INTERFACES) {
      for (Method method : type.getDeclaredMethods()) {
        names.add(method.getAnnotation(ActivityMethod.class).name());
        assertEquals(StepResult.class, method.getReturnType(), method.toString());
        assertEquals(List.of(StepRequest.class), List.of(method.getParameterTypes()));
      }
    }
    List<String> activitySteps =
        StepTypes.all().stream()
            .filter(t -> t.execution() == Execution.ACTIVITY)
            .map(StepType::name)
            .sorted()
            .toList();

    assertEquals(activitySteps, names.stream().sorted().toList());
  }
}
