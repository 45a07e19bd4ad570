package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import network.notifi.sluice.jobs.Build;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JobLauncher} must do. The build's parser id says how its job behaves: {@code
 * ok-*} succeeds, {@code fail-*} fails, {@code slow-*} runs until cancelled. A backend's test makes
 * its jobs behave so (a command for the local launcher; status changes it drives itself for the
 * Kubernetes one, in {@link #driveToEnd}). Real time passes here, so tests wait with Awaitility.
 * A launch once the launcher is closing is deferred, so that the replica's shutdown never fails a
 * build.
 */
public abstract class AbstractJobLauncherContractTest {

  protected static final Duration ENDS_WITHIN = Duration.ofSeconds(20);

  protected JobLauncher launcher;
  protected final List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
  private String ns;

  /** A new launcher whose jobs behave as the class comment says. */
  protected abstract JobLauncher newLauncher() throws Exception;

  /**
   * Called after each launch: a backend whose jobs do not end by themselves makes an {@code ok-*}
   * or {@code fail-*} job end here. The default does nothing.
   */
  protected void driveToEnd(Build build) throws Exception {}

  @BeforeEach
  void openLauncher() throws Exception {
    launcher = newLauncher();
    launcher.addListener(outcomes::add);
    ns = fresh("ns");
  }

  @AfterEach
  void closeLauncher() {
    launcher.close();
  }

  protected Build build(String parserPrefix) {
    return Build.queued(fresh("b"), fresh(parserPrefix), ns, Optional.of("customer-1"), Instant.now())
        .running(Instant.now());
  }

  protected Build launched(String parserPrefix) throws Exception {
    Build build = build(parserPrefix);
    launcher.launch(build).join();
    driveToEnd(build);
    return build;
  }

  protected List<JobOutcome> outcomesOf(Build build) {
    return outcomes.stream().filter(o -> o.buildId().equals(build.id())).toList();
  }

  @Test
  void launchAfterCloseIsDeferredForAnotherReplicaNotFailed() {
    launcher.close();

    var launch = launcher.launch(build("ok"));

    assertThat(launch).failsWithin(ENDS_WITHIN).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(LaunchDeferredException.class,
            deferred -> assertThat(deferred.reason()).isEqualTo(LaunchDeferredException.REPLICA_STOPPING));
  }

  @Test
  void succeedingJobIsReportedSucceeded() throws Exception {
    Build build = launched("ok");

    await().atMost(ENDS_WITHIN).until(() -> !outcomesOf(build).isEmpty());
    assertThat(outcomesOf(build).get(0)).isEqualTo(JobOutcome.succeeded(build.id(), build.namespace()));
  }

  @Test
  void failingJobIsReportedFailedWithAReason() throws Exception {
    Build build = launched("fail");

    await().atMost(ENDS_WITHIN).until(() -> !outcomesOf(build).isEmpty());
    JobOutcome outcome = outcomesOf(build).get(0);
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.namespace()).isEqualTo(build.namespace());
    assertThat(outcome.failureReason()).hasValueSatisfying(reason -> assertThat(reason).isNotBlank());
  }

  @Test
  void cancelStopsARunningJobWhichEndsFailedAsCancelled() throws Exception {
    Build build = launched("slow");

    assertThat(launcher.cancel(build.namespace(), build.id()).join()).isTrue();

    await().atMost(ENDS_WITHIN).until(() -> !outcomesOf(build).isEmpty());
    assertThat(outcomesOf(build).get(0))
        .isEqualTo(JobOutcome.failedNotByParser(build.id(), build.namespace(), "cancelled"));
  }

  @Test
  void cancellingAJobThatIsNotRunningReturnsFalse() {
    assertThat(launcher.cancel(ns, "no-such-build").join()).isFalse();
  }

  @Test
  void launchingTheSameBuildTwiceRunsOneJob() throws Exception {
    Build build = build("slow");
    launcher.launch(build).join();
    launcher.launch(build).join();

    launcher.cancel(build.namespace(), build.id()).join();

    await().atMost(ENDS_WITHIN).until(() -> !outcomesOf(build).isEmpty());
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> outcomesOf(build).size() == 1);
  }

  @Test
  void jobsOfManyBuildsRunSideBySide() throws Exception {
    Build a = launched("ok");
    Build b = launched("fail");
    Build c = launched("ok");

    await().atMost(ENDS_WITHIN).until(() -> !outcomesOf(a).isEmpty() && !outcomesOf(b).isEmpty() && !outcomesOf(c).isEmpty());
    assertThat(outcomesOf(a).get(0).succeeded()).isTrue();
    assertThat(outcomesOf(b).get(0).succeeded()).isFalse();
    assertThat(outcomesOf(c).get(0).succeeded()).isTrue();
  }
}
