package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.models.V1Job;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.inprocess.InProcessSlotStore;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.k8s.internal.Reconciler;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Crash and drift: the API server is the source of truth for what runs. Interval 200ms, grace 1s. */
class ReconcileTest {

  private static final Duration LEASE = Duration.ofSeconds(3);

  private TestApiServer server;
  private InProcessSlotStore slots;
  private KubernetesJobLauncher launcher;
  private final List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
  private final String ns = Fixtures.fresh("ns");

  @BeforeEach
  void start() {
    server = TestApiServer.start();
    slots = new InProcessSlotStore(Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    launcher.close();
    server.close();
  }

  private void launcher(boolean withListener) {
    K8sConfig config = Fixtures.config(server.url()).withNamespaces(Set.of(ns));
    launcher = KubernetesJobLauncher.builder(config, server.client()).reconcileSlots(slots, LEASE).build();
    if (withListener) {
      launcher.addListener(outcomes::add);
    }
    launcher.start();
  }

  @Test
  void jobDeletedBehindSluicesBackIsReportedFailedWithinOneInterval() {
    launcher(true);
    Build build = Fixtures.running(ns, "deleted");
    slots.acquire(ns, build.id(), 10, LEASE).join();
    launcher.launch(build).join();

    server.delete(ns, JobSpecFactory.jobName(build.id()));
    launcher.reconcileNow().join(); // the next round, whenever it comes

    assertThat(outcomes).containsExactly(JobOutcome.failedNotByParser(build.id(), ns, Reconciler.DELETED));
  }

  @Test
  void jobCreatedWhileNoReplicaWatchedIsAdoptedIntoASlotAndItsEndReported() throws Exception {
    Build orphan = Fixtures.running(ns, "orphan");
    V1Job job = JobSpecFactory.of(Fixtures.config(server.url())).jobFor(orphan);
    server.batch().createNamespacedJob(ns, job).execute();
    launcher(true);
    launcher.reconcileNow().join(); // the first round

    assertThat(slots.lease(ns, orphan.id()).join()).isPresent();
    assertThat(slots.active(ns).join()).isEqualTo(1);
    // Adopted leases are renewed while the Job runs: still held after more than a lease duration.
    await().pollDelay(LEASE.plusMillis(500)).atMost(LEASE.multipliedBy(2))
        .until(() -> slots.lease(ns, orphan.id()).join().isPresent());

    server.complete(ns, JobSpecFactory.jobName(orphan.id()));
    launcher.reconcileNow().join();
    assertThat(outcomes).containsExactly(JobOutcome.succeeded(orphan.id(), ns));
  }

  @Test
  void slotWithoutAJobIsReportedFailedAfterTheGracePeriod() {
    launcher(true);
    slots.acquire(ns, "ghost", 10, Duration.ofMinutes(5)).join();

    await().atMost(Fixtures.config(server.url()).gracePeriod().plusSeconds(5))
        .until(() -> !outcomes.isEmpty());
    assertThat(outcomes).containsExactly(JobOutcome.failedNotByParser("ghost", ns, Reconciler.NOT_FOUND));
  }

  @Test
  void slotWithoutAJobIsReleasedWhenNoCoreListens() {
    launcher(false);
    slots.acquire(ns, "ghost", 10, Duration.ofMinutes(5)).join();

    await().atMost(Fixtures.config(server.url()).gracePeriod().plusSeconds(5))
        .until(() -> slots.active(ns).join() == 0);
  }

  @Test
  void endsInSeveralNamespacesAreReportedOnceEachOverManyRounds() throws Exception {
    String other = Fixtures.fresh("ns");
    Build here = Fixtures.running(ns, "here");
    Build there = Fixtures.running(other, "there");
    JobSpecFactory factory = JobSpecFactory.of(Fixtures.config(server.url()));
    server.batch().createNamespacedJob(ns, factory.jobFor(here)).execute();
    server.batch().createNamespacedJob(other, factory.jobFor(there)).execute();
    server.complete(ns, JobSpecFactory.jobName(here.id()));
    server.fail(other, JobSpecFactory.jobName(there.id()), "DeadlineExceeded");
    launcher = KubernetesJobLauncher.builder(
        Fixtures.config(server.url()).withNamespaces(Set.of(ns, other)), server.client()).build();
    launcher.addListener(outcomes::add);

    for (int round = 0; round < 5; round++) {
      launcher.reconcileNow().join();
    }

    assertThat(outcomes).containsExactlyInAnyOrder(
        JobOutcome.succeeded(here.id(), ns),
        JobOutcome.failed(there.id(), other, "job failed (DeadlineExceeded): injected by the test"));
  }

  @Test
  void slotIsKeptWhileItsJobIsBeingCreated() {
    launcher(true);
    slots.acquire(ns, "pending", 10, Duration.ofMinutes(5)).join();

    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
        .until(() -> slots.active(ns).join() == 1 && outcomes.isEmpty());
  }
}
