package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A queue entry taken over from a dead dispatcher starts its build at most once. */
class ClaimTakeoverTest {

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final JobStores stores = InProcessStores.create(clock);
  private final JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1);
  private final BuildAdmission admission =
      BuildAdmission.create(config, stores, launcher, clock, new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    admission.close();
  }

  @Test
  void entryOfABuildTheDeadDispatcherAlreadyLaunchedIsAckedNotLaunchedAgain() {
    // Given a queued build that a dispatcher claimed and launched, then died before acking
    var first = ((AdmissionResult.Started) admission.start(BuildRequest.of("parser-a")).join()).build();
    var queued = ((AdmissionResult.Queued) admission.start(BuildRequest.of("parser-b")).join()).build();
    var lost = stores.queue().claim("default", "dead-dispatcher", config.leaseDuration()).join().orElseThrow();
    stores.records().put(queued.running(clock.instant()), config.recordTtl()).join();
    launcher.succeed(first);

    // When its claim is old enough to be taken over
    clock.advance(config.leaseDuration());
    admission.tick().join();

    // Then the entry is gone and the build was not launched here
    assertThat(lost.entry().buildId()).isEqualTo(queued.id());
    assertThat(stores.queue().depth("default").join()).isZero();
    assertThat(launcher.launched()).extracting(Build::id).containsExactly(first.id());
  }
}
