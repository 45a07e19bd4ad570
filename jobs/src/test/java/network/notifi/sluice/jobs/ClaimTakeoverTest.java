package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SlotLimits;
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
    // (claimed past the limits, as by a dispatcher whose view of the slots was stale)
    var lost = stores.queue().claim("default", "dead-dispatcher", config.leaseDuration(), SlotLimits.NONE).join()
        .orElseThrow();
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

  @Test
  void claimTakenOverWhileItsLaunchIsInFlightThenDeferredGoesBackToTheQueueAndStartsOnce() {
    // Given two replicas on shared stores, cap 2, and a queued build whose launch on replica 1 hangs
    JobsConfig two = JobsConfig.defaults().withMaxConcurrentJobs(2);
    JobStores shared = InProcessStores.create(clock);
    ScriptedLauncher oneLauncher = new ScriptedLauncher();
    ScriptedLauncher otherLauncher = new ScriptedLauncher();
    try (BuildAdmission one = BuildAdmission.create(two, shared, oneLauncher, clock, new SimpleMeterRegistry());
        BuildAdmission other = BuildAdmission.create(two, shared, otherLauncher, clock, new SimpleMeterRegistry())) {
      var a = ((AdmissionResult.Started) one.start(BuildRequest.of("parser-a")).join()).build();
      var c = ((AdmissionResult.Started) one.start(BuildRequest.of("parser-c")).join()).build();
      var queued = ((AdmissionResult.Queued) one.start(BuildRequest.of("parser-b")).join()).build();
      oneLauncher.holdLaunches();
      oneLauncher.succeed(a); // replica 1 takes the freed slot for the queued build; its launch hangs
      oneLauncher.succeed(c); // a slot is free again

      // When its claim is old enough to be taken over, and then the hanging launch is deferred
      // (replica 1 keeps renewing the build's lease meanwhile)
      clock.advance(two.leaseDuration().dividedBy(2));
      one.tick().join();
      clock.advance(two.leaseDuration().dividedBy(2).plusSeconds(1));
      one.tick().join();
      other.tick().join();
      oneLauncher.deferHeld("quota");

      // Then the build waits in the queue again (not a queued record without an entry)...
      assertThat(shared.queue().position("default", queued.id()).join()).hasValue(1);
      assertThat(one.status(queued.id()).join().orElseThrow().state()).isEqualTo(BuildState.QUEUED);

      // ...and starts exactly once on the next round
      other.tick().join();
      one.tick().join();
      List<Build> launches = new ArrayList<>(oneLauncher.launched());
      launches.addAll(otherLauncher.launched());
      assertThat(launches).extracting(Build::id).containsOnlyOnce(queued.id());
      assertThat(one.status(queued.id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);
    }
  }
}
