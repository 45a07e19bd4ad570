package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.local.LocalProcessLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import org.junit.jupiter.api.Test;

/**
 * Shutting a replica down loses no build and blames no parser: local builds it kills end
 * interrupted, queued ones stay queued for another replica, also one claimed while it stops.
 */
class ShutdownTest {

  private final JobStores stores = InProcessStores.create(Clock.systemUTC());
  private final JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(2)
      .withLocal(new JobsConfig.Local("sleep 30", Duration.ofMinutes(1), 4096));

  @Test
  void buildsKilledByShutdownEndInterruptedWithoutBackoffAndQueuedOnesStayQueued() {
    // Given two local builds running and one queued
    BuildAdmission admission = BuildAdmission.create(config, stores, new LocalProcessLauncher(config.local()),
        Clock.systemUTC(), new SimpleMeterRegistry());
    List<Build> running = new ArrayList<>();
    for (String parser : List.of("parser-a", "parser-b")) {
      running.add(((AdmissionResult.Started) admission.start(BuildRequest.of(parser)).join()).build());
    }
    var queued = ((AdmissionResult.Queued) admission.start(BuildRequest.of("parser-c")).join()).build();

    // When the replica shuts down
    admission.close();

    // Then each killed build ended once, interrupted, not as its parser's failure; the queued one waits
    for (Build build : running) {
      Build ended = stores.records().get(build.id()).join().orElseThrow();
      assertThat(ended.state()).isEqualTo(BuildState.FAILED);
      assertThat(ended.failureReason()).hasValue(LocalProcessLauncher.INTERRUPTED);
      assertThat(stores.backoffs().window("default", build.parserId()).join()).isEmpty();
    }
    assertThat(stores.slots().active("default").join()).isZero();
    assertThat(stores.queue().position("default", queued.id()).join()).hasValue(1);
    assertThat(stores.records().get(queued.id()).join().orElseThrow().state()).isEqualTo(BuildState.QUEUED);
  }

  @Test
  void buildClaimedFromTheQueueWhileTheReplicaStopsGoesBackToTheQueueInsteadOfFailing() throws Exception {
    // Given one slot, a running build and a queued one, and a dispatcher whose next claim will hang
    // in the stores (as a Redis round trip does) when the running build ends
    MutableClock clock = new MutableClock();
    JobStores inProcess = InProcessStores.create(clock);
    HeldRecords records = new HeldRecords(inProcess.records());
    JobStores held = new JobStores(inProcess.slots(), inProcess.queue(), inProcess.backoffs(), records,
        inProcess.admissions());
    ScriptedLauncher launcher = new ScriptedLauncher();
    launcher.refuseLaunchesOnceClosed();
    BuildAdmission admission = BuildAdmission.create(JobsConfig.defaults().withMaxConcurrentJobs(1), held, launcher,
        clock, new SimpleMeterRegistry());
    Build first = ((AdmissionResult.Started) admission.start(BuildRequest.of("parser-a")).join()).build();
    Build queued = ((AdmissionResult.Queued) admission.start(BuildRequest.of("parser-b")).join()).build();
    records.hold(queued.id());
    launcher.succeed(first);

    // When the replica shuts down while that claim is in flight, and the stores answer only then
    Thread closer = new Thread(admission::close, "closer");
    closer.start();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> closer.getState() == Thread.State.TIMED_WAITING || !closer.isAlive());
    records.release();
    closer.join(Duration.ofSeconds(30).toMillis());

    // Then the launcher was not asked after it closed: the build waits in the queue for another
    // replica, its slot free, not failed
    assertThat(closer.isAlive()).isFalse();
    assertThat(launcher.launched()).extracting(Build::id).containsExactly(first.id());
    Build waiting = inProcess.records().get(queued.id()).join().orElseThrow();
    assertThat(waiting.state()).isEqualTo(BuildState.QUEUED);
    assertThat(waiting.failureReason()).hasValue(LaunchDeferredException.REPLICA_STOPPING);
    assertThat(inProcess.queue().position("default", queued.id()).join()).hasValue(1);
    assertThat(inProcess.slots().active("default").join()).isZero();
  }
}
