package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.local.LocalProcessLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import org.junit.jupiter.api.Test;

/**
 * Shutting a replica down loses no build and blames no parser: local builds it kills end
 * interrupted, queued ones stay queued for another replica.
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
}
