package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Job;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.BuildRequest;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.k8s.internal.Labels;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The jobs module's admission with this launcher: the seed's scenario 3 and the failure backoff. */
class AdmissionWithKubernetesTest {

  private TestApiServer server;
  private JobStores stores;
  private BuildAdmission admission;
  private final String ns = Fixtures.fresh("ns");

  @BeforeEach
  void start() {
    server = TestApiServer.start();
    Clock clock = Clock.systemUTC();
    stores = InProcessStores.create(clock);
    JobsConfig jobs = JobsConfig.defaults().withLeaseDuration(Duration.ofSeconds(3))
        .withDispatchInterval(Duration.ofMillis(200));
    KubernetesJobLauncher launcher = KubernetesJobLauncher
        .builder(Fixtures.config(server.url()).withNamespaces(Set.of(ns)), server.client())
        .reconcileSlots(stores.slots(), jobs.leaseDuration())
        .build();
    admission = BuildAdmission.create(jobs, stores, launcher, clock, new SimpleMeterRegistry());
    launcher.start();
    admission.startDispatcher();
  }

  @AfterEach
  void stop() {
    admission.close();
    server.close();
  }

  @Test
  void fifteenBuildsRunTenJobsQueueFiveAndEndingJobsStartQueuedOnes() {
    List<AdmissionResult> results = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      results.add(admission.start(BuildRequest.of("parser-" + i, ns, "customer-1")).join());
    }

    assertThat(results).filteredOn(r -> r instanceof Started).hasSize(10);
    assertThat(results).filteredOn(r -> r instanceof Queued).hasSize(5);
    List<V1Job> jobs = server.jobs(ns);
    assertThat(jobs).hasSize(10).allSatisfy(job -> {
      assertThat(job.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, "sluice")
          .containsEntry(Labels.THIRD_PARTY, "customer-1");
      assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
          .containsEntry("memory", new Quantity("1Gi"));
    });

    jobs.subList(0, 2).forEach(job -> server.complete(ns, job.getMetadata().getName()));

    await().atMost(Duration.ofSeconds(15)).until(() -> server.jobs(ns).size() == 12);
    assertThat(admission.usage(ns).join().active()).isEqualTo(10);
    String done = jobs.get(0).getMetadata().getAnnotations().get(Labels.BUILD_ID);
    await().atMost(Duration.ofSeconds(15))
        .until(() -> admission.status(done).join().orElseThrow().state() == BuildState.SUCCEEDED);
  }

  @Test
  void failedJobOpensTheParsersBackoffWindow() {
    Started started = (Started) admission.start(BuildRequest.of("flaky", ns, null)).join();

    server.fail(ns, JobSpecFactory.jobName(started.build().id()), "BackoffLimitExceeded");

    // The end is recorded in steps, the final record before the backoff window: wait for the window,
    // not the record, so that the start below cannot run between the two.
    await().atMost(Duration.ofSeconds(15)).until(() -> stores.backoffs().window(ns, "flaky").join().isPresent());
    var ended = admission.status(started.build().id()).join().orElseThrow();
    assertThat(ended.state()).isEqualTo(BuildState.FAILED);
    assertThat(ended.build().failureReason())
        .hasValueSatisfying(reason -> assertThat(reason).contains("BackoffLimitExceeded"));
    assertThat(admission.start(BuildRequest.of("flaky", ns, null)).join()).isInstanceOf(BackingOff.class);
  }
}
