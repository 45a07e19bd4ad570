package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Job;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.inprocess.InProcessSlotStore;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.k8s.internal.Reconciler;
import network.notifi.sluice.k8s.testing.FaultProxy.Mode;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crash and drift: the API server is the source of truth for what runs. Rounds are run by the test
 * ({@code reconcileNow}) on a clock it moves; grace period 1 s.
 */
class ReconcileTest {

  private static final Duration LEASE = Duration.ofSeconds(3);

  private final MutableClock clock = new MutableClock();
  private TestApiServer server;
  private InProcessSlotStore slots;
  private KubernetesJobLauncher launcher;
  private final List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
  private final String ns = Fixtures.fresh("ns");
  private final Duration grace = Fixtures.config("http://unused").gracePeriod();

  @BeforeEach
  void start() {
    server = TestApiServer.start();
    slots = new InProcessSlotStore(clock);
  }

  @AfterEach
  void stop() {
    launcher.close();
    server.close();
  }

  private void launcher(boolean withListener) {
    K8sConfig config = Fixtures.config(server.url()).withNamespaces(Set.of(ns));
    launcher = KubernetesJobLauncher.builder(config, server.client()).reconcileSlots(slots, LEASE).clock(clock).build();
    if (withListener) {
      launcher.addListener(outcomes::add);
    }
  }

  @Test
  void jobDeletedBehindSluicesBackIsReportedFailedWithinOneInterval() {
    launcher(true);
    Build build = Fixtures.running(ns, "deleted");
    slots.acquire(ns, build.id(), Optional.empty(), SlotLimits.ofNamespace(10), LEASE).join();
    launcher.launch(build).join();

    server.delete(ns, JobSpecFactory.jobName(build.id()));
    clock.advance(Duration.ofMillis(200));
    launcher.reconcileNow().join(); // the next round

    assertThat(outcomes).containsExactly(JobOutcome.failedNotByParser(build.id(), ns, Reconciler.DELETED));
  }

  @Test
  void jobCreatedWhileNoReplicaWatchedIsAdoptedIntoASlotAndItsEndReported() throws Exception {
    Build orphan = Fixtures.running(ns, "orphan");
    server.batch().createNamespacedJob(ns, jobFor(orphan)).execute();
    launcher(true);
    launcher.reconcileNow().join();

    assertThat(slots.leases(ns).join()).extracting(Lease::buildId).contains(orphan.id());
    assertThat(slots.active(ns).join()).isEqualTo(1);
    keepReconcilingFor(LEASE.multipliedBy(2));
    assertThat(slots.leases(ns).join()).extracting(Lease::buildId).contains(orphan.id());

    server.complete(ns, JobSpecFactory.jobName(orphan.id()));
    launcher.reconcileNow().join();
    assertThat(outcomes).containsExactly(JobOutcome.succeeded(orphan.id(), ns));
  }

  @Test
  void runningJobKeepsItsSlotWhenTheReplicaThatCreatedItStopsRenewing() throws Exception {
    // Given a Job whose lease was taken by a replica that has since shut down
    Build build = Fixtures.running(ns, "handed-over");
    slots.acquire(ns, build.id(), Optional.empty(), SlotLimits.ofNamespace(10), LEASE).join();
    server.batch().createNamespacedJob(ns, jobFor(build)).execute();
    launcher(true);

    // When another replica keeps reconciling for longer than the lease
    keepReconcilingFor(LEASE.multipliedBy(2));

    // Then the running Job's lease never lapsed (no reaper would fail its build) and nothing ended
    assertThat(slots.leases(ns).join()).extracting(Lease::buildId).contains(build.id());
    assertThat(slots.reapExpired(ns).join()).isEmpty();
    assertThat(outcomes).isEmpty();
  }

  @Test
  void slotWithoutAJobIsReportedFailedAfterTheGracePeriod() {
    launcher(true);
    slots.acquire(ns, "ghost", Optional.empty(), SlotLimits.ofNamespace(10), Duration.ofMinutes(5)).join();
    launcher.reconcileNow().join();

    clock.advance(grace.minusMillis(1));
    launcher.reconcileNow().join();
    assertThat(outcomes).isEmpty();

    clock.advance(Duration.ofMillis(1));
    launcher.reconcileNow().join();
    assertThat(outcomes).containsExactly(JobOutcome.failedNotByParser("ghost", ns, Reconciler.NOT_FOUND));
  }

  @Test
  void slotWithoutAJobIsReleasedWhenNoCoreListens() {
    launcher(false);
    slots.acquire(ns, "ghost", Optional.empty(), SlotLimits.ofNamespace(10), Duration.ofMinutes(5)).join();
    launcher.reconcileNow().join();

    clock.advance(grace);
    launcher.reconcileNow().join();

    assertThat(slots.active(ns).join()).isZero();
  }

  @Test
  void slotWhoseLeaseIsStillRenewedIsKeptWithoutAJobUntilRenewalsStop() {
    // A launch in flight on another replica: no Job yet, but its owner renews the lease.
    launcher(true);
    slots.acquire(ns, "creating-elsewhere", Optional.empty(), SlotLimits.ofNamespace(10), LEASE).join();
    launcher.reconcileNow().join();
    for (int i = 0; i < 3; i++) {
      clock.advance(grace);
      slots.renew(ns, "creating-elsewhere", LEASE).join();
      launcher.reconcileNow().join();
    }
    assertThat(outcomes).isEmpty();

    // The owner stops renewing (it died): released after the grace period.
    launcher.reconcileNow().join();
    clock.advance(grace);
    launcher.reconcileNow().join();
    assertThat(outcomes).containsExactly(JobOutcome.failedNotByParser("creating-elsewhere", ns, Reconciler.NOT_FOUND));
  }

  @Test
  void slotIsKeptWhileItsJobIsBeingCreated() {
    // Given a create that takes longer than the grace period (the API answers creates slowly)
    launcher(true);
    Build build = Fixtures.running(ns, "pending");
    slots.acquire(ns, build.id(), Optional.empty(), SlotLimits.ofNamespace(10), Duration.ofMinutes(5)).join();
    server.proxy().onlyFor("POST");
    server.proxy().slowBy(Duration.ofMillis(1500));
    server.proxy().fault(Mode.SLOW);
    CompletableFuture<Void> launch = launcher.launch(build);

    // When rounds pass the grace period while the create is in flight
    launcher.reconcileNow().join();
    clock.advance(grace.multipliedBy(3));
    launcher.reconcileNow().join();
    assertThat(launch).isNotDone();

    // Then the slot is kept, the launch succeeds and its one Job is followed
    launch.join();
    launcher.reconcileNow().join();
    assertThat(outcomes).isEmpty();
    assertThat(slots.leases(ns).join()).extracting(Lease::buildId).contains(build.id());
    assertThat(server.jobs(ns)).hasSize(1);
  }

  @Test
  void endsSeenBeforeTheCoreRegisteredAreReportedToIt() throws Exception {
    Build done = Fixtures.running(ns, "early");
    server.batch().createNamespacedJob(ns, jobFor(done)).execute();
    server.complete(ns, JobSpecFactory.jobName(done.id()));
    launcher(false);
    launcher.reconcileNow().join(); // the first round, before the core is wired

    launcher.addListener(outcomes::add);

    assertThat(outcomes).containsExactly(JobOutcome.succeeded(done.id(), ns));
  }

  @Test
  void endsInSeveralNamespacesAreReportedOnceEachOverManyRounds() throws Exception {
    String other = Fixtures.fresh("ns");
    Build here = Fixtures.running(ns, "here");
    Build there = Fixtures.running(other, "there");
    server.batch().createNamespacedJob(ns, jobFor(here)).execute();
    server.batch().createNamespacedJob(other, jobFor(there)).execute();
    server.complete(ns, JobSpecFactory.jobName(here.id()));
    server.fail(other, JobSpecFactory.jobName(there.id()), "DeadlineExceeded");
    launcher = KubernetesJobLauncher.builder(
        Fixtures.config(server.url()).withNamespaces(Set.of(ns, other)), server.client()).clock(clock).build();
    launcher.addListener(outcomes::add);

    for (int round = 0; round < 5; round++) {
      launcher.reconcileNow().join();
    }

    assertThat(outcomes).containsExactlyInAnyOrder(
        JobOutcome.succeeded(here.id(), ns),
        JobOutcome.failed(there.id(), other, "job failed (DeadlineExceeded): injected by the test"));
  }

  private V1Job jobFor(Build build) {
    return JobSpecFactory.of(Fixtures.config(server.url())).jobFor(build);
  }

  /** Rounds every 200 ms of the test's clock, as the periodic loop would run them. */
  private void keepReconcilingFor(Duration span) {
    Duration step = Duration.ofMillis(200);
    for (Duration passed = Duration.ZERO; passed.compareTo(span) < 0; passed = passed.plus(step)) {
      clock.advance(step);
      launcher.reconcileNow().join();
    }
  }
}
