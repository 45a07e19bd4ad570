package network.notifi.sluice.k8s;

import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.AbstractJobLauncherContractTest;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The job launcher contract against the test API server; the test plays the Job controller. */
class KubernetesJobLauncherContractTest extends AbstractJobLauncherContractTest {

  private static TestApiServer server;

  @BeforeAll
  static void startServer() {
    server = TestApiServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected JobLauncher newLauncher() {
    return KubernetesJobLauncher.builder(Fixtures.config(server.url()), server.client()).build().start();
  }

  @Override
  protected void driveToEnd(Build build) {
    String name = JobSpecFactory.jobName(build.id());
    if (build.parserId().startsWith("ok")) {
      server.complete(build.namespace(), name);
    } else if (build.parserId().startsWith("fail")) {
      server.fail(build.namespace(), name, "BackoffLimitExceeded");
    }
  }
}
