package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases are renewed on their own schedule: a launch that hangs inside a dispatcher round for longer
 * than the lease does not cost the build its slot. Real time (the schedule is what is tested), lease
 * 3 s (renewed every second), dispatcher every 100 ms.
 */
class LeaseRenewalTest {

  private static final Duration LEASE = Duration.ofSeconds(3);

  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final JobStores stores = InProcessStores.create(Clock.systemUTC());
  private final JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1).withLeaseDuration(LEASE)
      .withDispatchInterval(Duration.ofMillis(100));
  private final BuildAdmission admission =
      BuildAdmission.create(config, stores, launcher, Clock.systemUTC(), new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    admission.close();
  }

  @Test
  void buildWhoseLaunchHangsInADispatcherRoundLongerThanTheLeaseKeepsItsSlot() {
    // Given a queued build that the periodic dispatcher will start, with launches hanging
    var first = ((AdmissionResult.Started) admission.start(BuildRequest.of("parser-a")).join()).build();
    var queued = ((AdmissionResult.Queued) admission.start(BuildRequest.of("parser-b")).join()).build();
    launcher.holdLaunches();
    launcher.setAvailable(false); // the end below drains nothing: the periodic round will
    launcher.succeed(first);
    launcher.setAvailable(true);
    admission.startDispatcher();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> admission.status(queued.id()).join().orElseThrow().state() == BuildState.RUNNING);

    // When its launch hangs for twice the lease, then goes through
    await().during(LEASE.multipliedBy(2)).atMost(LEASE.multipliedBy(3))
        .until(() -> stores.slots().leases("default").join().stream().anyMatch(l -> l.buildId().equals(queued.id()))
            && admission.status(queued.id()).join().orElseThrow().state() == BuildState.RUNNING);
    launcher.releaseHeld();

    // Then it runs, holding its slot, and was never failed for an expired lease
    await().atMost(Duration.ofSeconds(5)).until(() -> launcher.running().stream().anyMatch(b -> b.id().equals(queued.id())));
    assertThat(admission.status(queued.id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);
    assertThat(admission.usage("default").join().active()).isEqualTo(1);
  }
}
