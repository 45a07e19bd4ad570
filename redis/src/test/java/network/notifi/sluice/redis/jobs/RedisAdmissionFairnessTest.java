package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.BuildRequest;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.ScriptedLauncher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Round-robin by third party, through the admission flow, on the cluster. */
class RedisAdmissionFairnessTest {

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final BuildAdmission admission =
      BuildAdmission.create(
          JobsConfig.defaults().withMaxConcurrentJobs(1).withDefaultNamespace("fair"),
          JobsRedis.stores(JobsRedis.cluster(), RedisAdmissionFairnessTest.class, clock),
          launcher,
          clock,
          new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    admission.close();
  }

  @Test
  void aThirdPartyWith500QueuedBuildsDoesNotStarveOneThatQueuedOne() {
    // Given the only slot taken, 500 builds queued by one third party, then one by another
    admission.start(BuildRequest.of("running").fromThirdParty("big")).join();
    for (int i = 0; i < 500; i++) {
      admission.start(BuildRequest.of("big-" + i).fromThirdParty("big")).join();
    }
    var small = (AdmissionResult.Queued) admission.start(BuildRequest.of("small-0").fromThirdParty("small")).join();

    // Then the small one waits behind only one build of the big one
    assertThat(small.position()).isEqualTo(2);

    // When running builds end one at a time
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Build running = launcher.running().get(0);
      launcher.succeed(running);
      await().atMost(Duration.ofSeconds(10)).until(() -> launcher.running().size() == 1
          && !launcher.running().get(0).id().equals(running.id()));
      order.add(launcher.running().get(0).parserId());
    }

    // Then the small third party's build is the second to start
    assertThat(order).containsExactly("big-0", "small-0", "big-1");
  }
}
