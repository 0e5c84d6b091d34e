package dev.runbook.worker.faults;

import org.junit.platform.suite.api.SelectMethod;
import org.junit.platform.suite.api.Suite;
import org.junit.platform.suite.api.SuiteDisplayName;

/**
 * Every crash and fault test of the worker in one run: {@code ./mvnw -B -pl worker -am test
 * -Dtest=FaultsSuite -Dsurefire.failIfNoSpecifiedTests=false}. (Its name does not end in {@code
 * Test}, so {@code verify} runs each test once, by its own class.) The faults and the tests that
 * show the expected outcome:
 *
 * <table>
 *   <caption>fault, expected outcome, test</caption>
 *   <tr><td>worker SIGKILLed at every step boundary and mid-step of emergency-data-fix and
 *       pitr-rollback on local, then restarted</td><td>same outcome; each change applied once
 *       (ledger, checksums); compensations and finally run</td><td>{@link WorkerCrashTest}</td></tr>
 *   <tr><td>database backend terminated mid-transaction ({@code pg_terminate_backend}, MariaDB
 *       {@code KILL})</td><td>TRANSIENT, nothing committed, the retry applies</td>
 *       <td>{@code sql.SqlFaultTest#aConnectionKilledMidTransactionAppliesNothingAndARetryThenSucceeds}</td></tr>
 *   <tr><td>lock timeout</td><td>TRANSIENT (retryable), nothing changed</td>
 *       <td>{@code sql.SqlChangeTest#aLockTimeoutIsATypedRetryableFailureThatChangesNothing}</td></tr>
 *   <tr><td>statement timeout</td><td>SQL_ERROR naming the limit, nothing changed</td>
 *       <td>{@code sql.SqlFaultTest#aStatementTimeoutInAChangeIsATypedFailureThatChangesNothing}</td></tr>
 *   <tr><td>database restarted between steps (same port and data)</td><td>the next step
 *       reconnects; the change applied once</td><td>{@link DatabaseRestartTest}</td></tr>
 *   <tr><td>jump host stopped mid-run</td><td>TRANSIENT; the retry works once it is back</td>
 *       <td>{@link JumpHostStopTest}; sessions dropped: {@code
 *       ssh.SshTunnelTest#aDroppedJumpHostSessionIsOpenedAgainByTheNextStep}</td></tr>
 *   <tr><td>wrong host key</td><td>refused, naming the offered fingerprint</td>
 *       <td>{@code ssh.SshTunnelTest#aWrongPinnedHostKeyIsRefusedNamingTheOfferedFingerprint}</td></tr>
 *   <tr><td>AWS throttling bursts</td><td>SDK retries then success; beyond its retries
 *       TRANSIENT</td><td>{@code aws.Ec2StepsTest#throttlingIsRetriedByTheSdkWithBackoff}, {@code
 *       #throttlingThatOutlastsTheSdkRetriesIsATransientFailureWithEveryRequestId}</td></tr>
 *   <tr><td>AWS 5xx</td><td>SDK retries then success; beyond its retries TRANSIENT</td>
 *       <td>{@code aws.AwsFaultsTest}</td></tr>
 *   <tr><td>AWS AccessDenied</td><td>typed, not retried, naming the IAM action</td>
 *       <td>{@code aws.Ec2StepsTest#accessDeniedNamesTheIamActionAndIsNotRetried}, {@code
 *       aws.RdsStepsTest#accessDeniedOnCreateSnapshotNamesTheActionAndEveryRequestId}</td></tr>
 *   <tr><td>a snapshot that never becomes available</td><td>each attempt times out, the step
 *       fails, the earlier step is undone</td><td>{@code
 *       aws.AwsFaultsTest#aSnapshotThatNeverBecomesAvailableTimesOutAndTheEarlierStepIsUndone}</td></tr>
 * </table>
 */
@Suite
@SuiteDisplayName("Crashes and faults")
@SelectMethod(
    "dev.runbook.worker.faults.WorkerCrashTest#everyRunSurvivesSigkillOfItsWorkerAtEveryStepBoundaryAndMidStep")
@SelectMethod(
    "dev.runbook.worker.sql.SqlFaultTest#aConnectionKilledMidTransactionAppliesNothingAndARetryThenSucceeds(dev.runbook.worker.sql.SqlServers$Db)")
@SelectMethod(
    "dev.runbook.worker.sql.SqlChangeTest#aLockTimeoutIsATypedRetryableFailureThatChangesNothing(dev.runbook.worker.sql.SqlServers$Db)")
@SelectMethod(
    "dev.runbook.worker.sql.SqlFaultTest#aStatementTimeoutInAChangeIsATypedFailureThatChangesNothing(dev.runbook.worker.sql.SqlServers$Db)")
@SelectMethod(
    "dev.runbook.worker.faults.DatabaseRestartTest#aDatabaseRestartedBetweenPreviewAndApplyIsReconnectedAndTheChangeAppliedOnce(java.nio.file.Path)")
@SelectMethod(
    "dev.runbook.worker.faults.JumpHostStopTest#aStoppedJumpHostIsATransientFailureAndTheRetryWorksOnceItIsBack")
@SelectMethod(
    "dev.runbook.worker.ssh.SshTunnelTest#aDroppedJumpHostSessionIsOpenedAgainByTheNextStep")
@SelectMethod(
    "dev.runbook.worker.ssh.SshTunnelTest#aWrongPinnedHostKeyIsRefusedNamingTheOfferedFingerprint")
@SelectMethod("dev.runbook.worker.aws.Ec2StepsTest#throttlingIsRetriedByTheSdkWithBackoff")
@SelectMethod(
    "dev.runbook.worker.aws.Ec2StepsTest#throttlingThatOutlastsTheSdkRetriesIsATransientFailureWithEveryRequestId")
@SelectMethod("dev.runbook.worker.aws.Ec2StepsTest#accessDeniedNamesTheIamActionAndIsNotRetried")
@SelectMethod(
    "dev.runbook.worker.aws.RdsStepsTest#accessDeniedOnCreateSnapshotNamesTheActionAndEveryRequestId")
@SelectMethod("dev.runbook.worker.aws.AwsFaultsTest#a5xxBurstIsRetriedByTheSdkAndTheStepSucceeds")
@SelectMethod(
    "dev.runbook.worker.aws.AwsFaultsTest#a5xxThatOutlastsTheSdkRetriesIsARetryableTransientFailure")
@SelectMethod(
    "dev.runbook.worker.aws.AwsFaultsTest#aSnapshotThatNeverBecomesAvailableTimesOutAndTheEarlierStepIsUndone")
public class FaultsSuite {}
