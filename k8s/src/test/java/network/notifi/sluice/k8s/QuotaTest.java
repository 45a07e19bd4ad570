package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ResourceQuota: ensured per namespace and checked before each create. The test API server keeps no
 * {@code status.used}, so usage is computed from Sluice's own Jobs.
 */
class QuotaTest {

  private TestApiServer server;
  private KubernetesJobLauncher launcher;
  private final String ns = Fixtures.fresh("ns");

  @BeforeEach
  void start() {
    server = TestApiServer.start();
    // Each build's limits.memory is 1Gi; the quota's 3Gi fits three.
    K8sConfig config = Fixtures.config(server.url())
        .withNamespaces(Set.of(ns))
        .withQuota(new K8sQuota(true, true, "sluice-builds", 10, "3Gi", "16", "20Gi"));
    launcher = KubernetesJobLauncher.builder(config, server.client()).build().start();
  }

  @AfterEach
  void stop() {
    launcher.close();
    server.close();
  }

  @Test
  void quotaIsEnsuredInTheNamespace() throws Exception {
    launcher.launch(Fixtures.running(ns, "first")).join();

    var quota = new CoreV1Api(server.directClient()).readNamespacedResourceQuota("sluice-builds", ns).execute();
    assertThat(quota.getSpec().getHard())
        .containsEntry("count/jobs.batch", new Quantity("10"))
        .containsEntry("limits.memory", new Quantity("3Gi"))
        .containsEntry("limits.cpu", new Quantity("16"))
        .containsEntry("requests.ephemeral-storage", new Quantity("20Gi"));
  }

  @Test
  void fourthBuildWaitsWithReasonQuotaAndStartsWhenOneEnds() {
    RequeueingDriver driver = new RequeueingDriver(launcher, 1);
    List<Build> builds = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Build build = Fixtures.running(ns, "quota-" + i);
      builds.add(build);
      driver.submit(build);
    }
    try (driver) {
      await().atMost(Duration.ofSeconds(10)).until(() -> driver.started().size() == 3
          && driver.deferrals().containsKey(builds.get(3).id()));
      assertThat(driver.started()).doesNotContainKey(builds.get(3).id());
      assertThat(driver.deferrals()).containsEntry(builds.get(3).id(), DeferralReasons.QUOTA);
      assertThat(driver.failed()).isEmpty();
      assertThat(server.jobs(ns)).hasSize(3);

      server.complete(ns, JobSpecFactory.jobName(builds.get(0).id()));

      await().atMost(Duration.ofSeconds(10)).until(() -> driver.started().containsKey(builds.get(3).id()));
      assertThat(server.jobs(ns)).hasSize(4);
    }
  }

  @Test
  void jobThatDoesNotFitExplainsWhich() {
    for (int i = 0; i < 3; i++) {
      launcher.launch(Fixtures.running(ns, "fill-" + i)).join();
    }

    assertThatThrownBy(() -> launcher.launch(Fixtures.running(ns, "fourth")).join())
        .hasCauseInstanceOf(LaunchDeferredException.class)
        .hasMessageContaining("ResourceQuota sluice-builds: limits.memory used 3221225472 + 1073741824 > hard 3221225472");
  }
}
