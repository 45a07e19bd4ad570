package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Builds a launcher cannot start now wait in the queue; they are neither failed nor backed off. */
class DeferredLaunchTest {

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private BuildAdmission admission;

  @BeforeEach
  void create() {
    admission = BuildAdmission.create(
        JobsConfig.defaults(), InProcessStores.create(clock), launcher, clock, new SimpleMeterRegistry());
  }

  @AfterEach
  void close() {
    admission.close();
  }

  @Test
  void buildThatDoesNotFitTheQuotaWaitsQueuedWithTheReasonAndStartsWhenOneEnds() {
    for (int i = 1; i <= 3; i++) {
      assertThat(admission.start(BuildRequest.of("parser-" + i)).join()).isInstanceOf(AdmissionResult.Started.class);
    }
    launcher.failLaunchesWith(new LaunchDeferredException("quota", "the Job does not fit the namespace's quota"));

    var fourth = admission.start(BuildRequest.of("parser-4")).join();

    assertThat(fourth).isInstanceOf(AdmissionResult.Queued.class);
    var status = admission.status(((AdmissionResult.Queued) fourth).build().id()).join().orElseThrow();
    assertThat(status.state()).isEqualTo(BuildState.QUEUED);
    assertThat(status.build().failureReason()).contains("quota");
    assertThat(admission.usage("default").join().active()).isEqualTo(3);

    launcher.failLaunchesWith(null);
    launcher.succeed(launcher.running().get(0));

    assertThat(admission.status(status.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);
  }

  @Test
  void whileTheLauncherIsUnavailableBuildsAreQueuedNotFailedAndStartWhenItIsBack() {
    launcher.setAvailable(false);

    var result = admission.start(BuildRequest.of("parser-1")).join();

    assertThat(result).isInstanceOf(AdmissionResult.Queued.class);
    admission.tick().join();
    assertThat(launcher.launched()).isEmpty();

    launcher.setAvailable(true);
    admission.tick().join();

    assertThat(launcher.launched()).extracting(Build::parserId).containsExactly("parser-1");
  }

  @Test
  void failureTheParserDidNotCauseOpensNoBackoff() {
    var started = (AdmissionResult.Started) admission.start(BuildRequest.of("parser-1")).join();

    launcher.end(JobOutcome.failedNotByParser(started.build().id(), "default", "job deleted outside sluice"));

    assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.FAILED);
    assertThat(admission.start(BuildRequest.of("parser-1")).join()).isInstanceOf(AdmissionResult.Started.class);
  }
}
