package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.Test;

/** With the watch on, an API server that cannot serve it (the test stand-in answers 400) costs nothing. */
class WatchFallbackTest {

  @Test
  void endsAreStillFoundByListingWhenTheWatchFailsAndTheBreakerStaysClosed() {
    String ns = Fixtures.fresh("ns");
    List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
    try (TestApiServer server = TestApiServer.start();
        KubernetesJobLauncher launcher = KubernetesJobLauncher.builder(
            Fixtures.config(server.url()).withWatch(true).withNamespaces(Set.of(ns)), server.client()).build()) {
      launcher.addListener(outcomes::add);
      launcher.start();
      Build build = Fixtures.running(ns, "watched");
      launcher.launch(build).join();

      server.complete(ns, JobSpecFactory.jobName(build.id()));

      await().atMost(Duration.ofSeconds(10)).until(() -> !outcomes.isEmpty());
      assertThat(outcomes).containsExactly(JobOutcome.succeeded(build.id(), ns));
      assertThat(launcher.health().breakerState()).isEqualTo("closed");
    }
  }
}
