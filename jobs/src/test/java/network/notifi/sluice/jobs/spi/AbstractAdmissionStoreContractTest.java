package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AdmissionStep.BackingOff;
import network.notifi.sluice.jobs.spi.AdmissionStep.AlreadyActive;
import network.notifi.sluice.jobs.spi.AdmissionStep.Queued;
import network.notifi.sluice.jobs.spi.AdmissionStep.AtCapacity;
import network.notifi.sluice.jobs.spi.AdmissionStep.SlotTaken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AdmissionStore} must do, checked through the other stores of the same backend.
 * A backend extends this class and supplies its {@link JobStores} on the given clock; each test uses
 * namespaces of its own.
 */
public abstract class AbstractAdmissionStoreContractTest {

  protected static final Duration LEASE = Duration.ofSeconds(30);
  protected static final Duration TTL = Duration.ofHours(1);

  protected final MutableClock clock = new MutableClock();
  protected JobStores stores;
  private String ns;

  /** New stores of the backend on {@code clock}. */
  protected abstract JobStores newStores(MutableClock clock) throws Exception;

  /**
   * The stores another replica would use over the same shared state as {@link #stores}, through a
   * client of its own; a backend whose state lives in one process answers the same stores.
   */
  protected JobStores replicaStores(MutableClock clock) throws Exception {
    return stores;
  }

  @BeforeEach
  void openStores() throws Exception {
    stores = newStores(clock);
    ns = fresh("ns");
  }

  @AfterEach
  void closeStores() {
    stores.close();
  }

  private Build build(String parser) {
    return Build.queued(UUID.randomUUID().toString(), parser, ns, Optional.empty(), clock.instant());
  }

  private AdmissionAttempt attempt(Build build, int limit) {
    return new AdmissionAttempt(build, SlotLimits.ofNamespace(limit), true, true, 100, LEASE, TTL);
  }

  private AdmissionStep admit(AdmissionAttempt attempt) {
    return stores.admissions().admit(attempt).join();
  }

  private AdmissionStep admit(Build build, int limit) {
    return admit(attempt(build, limit));
  }

  private Optional<Build> record(Build build) {
    return stores.records().get(build.id()).join();
  }

  @Test
  void buildTakesAFreeSlotAndHoldsItsRecordAndPlace() {
    Build a = build("parser-a");

    assertThat(admit(a, 2)).isEqualTo(new SlotTaken(1));

    assertThat(record(a)).contains(a);
    assertThat(stores.slots().leases(ns).join()).extracting(Lease::buildId).containsExactly(a.id());
    assertThat(admit(build("parser-a"), 2)).isEqualTo(new AlreadyActive(a, OptionalLong.empty()));
  }

  @Test
  void buildsBeyondTheLimitQueueInOrderAndTheHolderAnswersWithItsPosition() {
    admit(build("parser-a"), 1);
    Build b = build("parser-b");
    Build c = build("parser-c");

    assertThat(admit(b, 1)).isEqualTo(new Queued(1, 1));
    assertThat(admit(c, 1)).isEqualTo(new Queued(2, 2));

    assertThat(record(c)).contains(c);
    assertThat(admit(build("parser-c"), 1)).isEqualTo(new AlreadyActive(c, OptionalLong.of(2)));
    assertThat(stores.queue().claim(ns, "dispatcher", LEASE, SlotLimits.ofNamespace(2)).join().orElseThrow().entry())
        .isEqualTo(attempt(b, 1).entry());
  }

  @Test
  void aWaitingQueueKeepsAFreedSlotForItsHeadNotForANewcomer() {
    Build a = build("parser-a");
    admit(a, 1);
    admit(build("parser-b"), 1);
    stores.slots().release(ns, a.id()).join();

    assertThat(admit(build("parser-c"), 1)).isEqualTo(new Queued(2, 2));
    assertThat(stores.slots().active(ns).join()).isZero();
  }

  @Test
  void withoutQueueingABuildThatFindsNoSlotIsRefusedAndLeavesNothingBehind() {
    Build a = build("parser-a");
    admit(a, 1);
    Build b = build("parser-b");

    assertThat(admit(new AdmissionAttempt(b, SlotLimits.ofNamespace(1), true, false, 100, LEASE, TTL))).isEqualTo(new AtCapacity(false, 1, 0, JobLimit.NAMESPACE));

    assertThat(record(b)).isEmpty();
    assertThat(stores.queue().depth(ns).join()).isZero();
    stores.slots().release(ns, a.id()).join();
    assertThat(admit(new AdmissionAttempt(build("parser-b"), SlotLimits.ofNamespace(1), true, false, 100, LEASE, TTL)))
        .isEqualTo(new SlotTaken(1));
  }

  @Test
  void aFullQueueRefusesAndLeavesNothingBehind() {
    admit(build("parser-a"), 1);
    admit(new AdmissionAttempt(build("parser-b"), SlotLimits.ofNamespace(1), true, true, 1, LEASE, TTL));
    Build c = build("parser-c");

    assertThat(admit(new AdmissionAttempt(c, SlotLimits.ofNamespace(1), true, true, 1, LEASE, TTL))).isEqualTo(new AtCapacity(true, 1, 1, JobLimit.NAMESPACE));

    assertThat(record(c)).isEmpty();
    assertThat(admit(new AdmissionAttempt(build("parser-c"), SlotLimits.ofNamespace(1), true, true, 2, LEASE, TTL)))
        .isEqualTo(new Queued(2, 2));
  }

  @Test
  void whileTheLauncherCannotStartJobsBuildsQueueDespiteFreeSlots() {
    Build a = build("parser-a");

    assertThat(admit(new AdmissionAttempt(a, SlotLimits.ofNamespace(5), false, true, 100, LEASE, TTL))).isEqualTo(new Queued(1, 1));
    assertThat(admit(new AdmissionAttempt(build("parser-b"), SlotLimits.ofNamespace(5), false, false, 100, LEASE, TTL)))
        .isEqualTo(new AtCapacity(false, 0, 1, JobLimit.NAMESPACE));

    assertThat(stores.slots().active(ns).join()).isZero();
    assertThat(record(a)).contains(a);
  }

  @Test
  void anOpenBackoffWindowRefusesTheParserUntilItCloses() {
    stores.backoffs().recordFailure(ns, "parser-a", Duration.ofHours(1)).join();
    var until = clock.instant().plusSeconds(10);
    stores.backoffs().open(ns, "parser-a", until).join();
    Build refused = build("parser-a");

    assertThat(admit(refused, 5)).isEqualTo(new BackingOff(new BackoffWindow(until, 1)));
    assertThat(record(refused)).isEmpty();
    assertThat(admit(build("parser-b"), 5)).isEqualTo(new SlotTaken(1));

    clock.advance(Duration.ofSeconds(10));
    assertThat(admit(build("parser-a"), 5)).isEqualTo(new SlotTaken(2));
  }

  @Test
  void aHolderThatEndedOrWhoseRecordIsGoneLosesThePlace() {
    Build ended = build("parser-a");
    admit(ended, 5);
    stores.records().put(ended.running(clock.instant()).succeeded(clock.instant()), TTL).join();
    Build gone = build("parser-b");
    admit(gone, 5);
    stores.records().delete(gone.id()).join();

    assertThat(admit(build("parser-a"), 5)).isInstanceOf(SlotTaken.class);
    assertThat(admit(build("parser-b"), 5)).isInstanceOf(SlotTaken.class);
  }

  @Test
  void aRunningHolderAnswersWithoutAPosition() {
    Build a = build("parser-a");
    admit(a, 5);
    Build running = a.running(clock.instant());
    stores.records().put(running, TTL).join();

    AdmissionStep again = admit(build("parser-a"), 5);

    assertThat(again).isEqualTo(new AlreadyActive(running, OptionalLong.empty()));
    assertThat(((AlreadyActive) again).holder().state()).isEqualTo(BuildState.RUNNING);
  }

  @Test
  void anExpiredLeaseNoLongerTakesASlotAndIsReapedOnce() {
    Build lost = build("parser-a");
    admit(lost, 1);
    clock.advance(LEASE);

    assertThat(admit(build("parser-b"), 1)).isEqualTo(new SlotTaken(1));
    assertThat(stores.slots().reapExpired(ns).join()).extracting(Lease::buildId).containsExactly(lost.id());
  }

  @Test
  void concurrentAttemptsTakeNoMoreSlotsThanTheLimitAndQueueTheRestInDistinctPlaces() {
    List<CompletableFuture<AdmissionStep>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      answers.add(stores.admissions().admit(attempt(build("parser-" + i), 3)));
    }
    List<AdmissionStep> steps = answers.stream().map(CompletableFuture::join).toList();

    assertThat(steps).filteredOn(SlotTaken.class::isInstance).hasSize(3);
    assertThat(steps).filteredOn(Queued.class::isInstance).extracting(s -> ((Queued) s).position())
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 37).boxed().toList());
    assertThat(stores.slots().active(ns).join()).isEqualTo(3);
  }

  @Test
  void concurrentAttemptsOfOneParserAdmitOneBuild() {
    List<CompletableFuture<AdmissionStep>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(stores.admissions().admit(attempt(build("parser-a"), 3)));
    }
    List<AdmissionStep> steps = answers.stream().map(CompletableFuture::join).toList();

    assertThat(steps).filteredOn(SlotTaken.class::isInstance).hasSize(1);
    assertThat(steps).filteredOn(AlreadyActive.class::isInstance).hasSize(19);
  }

  private Build build(String parser, String namespace, String thirdParty) {
    return Build.queued(UUID.randomUUID().toString(), parser, namespace, Optional.ofNullable(thirdParty),
        clock.instant());
  }

  private static AdmissionAttempt attempt(Build build, SlotLimits limits, boolean queueing) {
    return new AdmissionAttempt(build, limits, true, queueing, 100, LEASE, TTL);
  }

  @Test
  void aBuildThatFindsTheTotalCapFullQueuesOrIsRefusedSayingSo() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 1, 0);
    admit(attempt(build("parser-a", ns, "acme"), limits, true));
    Build refused = build("parser-b", other, "globex");

    assertThat(admit(attempt(refused, limits, false))).isEqualTo(new AtCapacity(false, 0, 0, JobLimit.TOTAL));
    assertThat(record(refused)).isEmpty();
    assertThat(admit(attempt(build("parser-b", other, "globex"), limits, true))).isEqualTo(new Queued(1, 1));
    assertThat(stores.slots().active(other).join()).isZero();
  }

  @Test
  void aThirdPartyAtItsCapQueuesWhileAnotherTakesASlot() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 0, 1);
    admit(attempt(build("parser-a", ns, "acme"), limits, true));

    assertThat(admit(attempt(build("parser-b", other, "acme"), limits, true))).isEqualTo(new Queued(1, 1));
    assertThat(admit(attempt(build("parser-c", ns, "globex"), limits, true))).isEqualTo(new SlotTaken(2));
    assertThat(admit(attempt(build("parser-d", ns, null), limits, false))).isEqualTo(new SlotTaken(3));
    assertThat(admit(attempt(build("parser-e", ns, null), limits, false)))
        .isEqualTo(new AtCapacity(false, 3, 0, JobLimit.THIRD_PARTY));
  }

  @Test
  void aClaimPassesOverALineAtItsCapServesTheNextAndReturnsWhenTheCapFrees() {
    var limits = new SlotLimits(5, 0, 1);
    Build running = build("parser-a", ns, "acme");
    admit(attempt(running, limits, true));
    admit(attempt(build("parser-r", ns, "globex"), limits, true));
    Build waitingAcme = build("parser-b", ns, "acme");
    Build waitingGlobex = build("parser-c", ns, "globex");
    Build waitingInitech = build("parser-d", ns, "initech");
    admit(attempt(waitingAcme, limits, true));
    admit(attempt(waitingGlobex, limits, true));
    admit(attempt(waitingInitech, limits, true));

    var first = stores.queue().claim(ns, "dispatcher", LEASE, limits).join();
    assertThat(first).map(c -> c.entry().buildId()).contains(waitingInitech.id());
    stores.slots().acquire(ns, waitingInitech.id(), waitingInitech.thirdParty(), limits, LEASE).join();
    stores.queue().ack(first.orElseThrow()).join();
    assertThat(stores.queue().claim(ns, "dispatcher", LEASE, limits).join()).isEmpty();

    stores.slots().release(ns, running.id()).join();

    assertThat(stores.queue().claim(ns, "dispatcher", LEASE, limits).join())
        .map(c -> c.entry().buildId()).contains(waitingAcme.id());
  }

  @Test
  void aClaimHandsOutNothingWhileTheTotalCapIsFull() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 1, 0);
    Build running = build("parser-a", other, "acme");
    admit(attempt(running, limits, true));
    admit(attempt(build("parser-b", ns, "globex"), limits, true));

    assertThat(stores.queue().claim(ns, "dispatcher", LEASE, limits).join()).isEmpty();
    stores.slots().release(other, running.id()).join();
    assertThat(stores.queue().claim(ns, "dispatcher", LEASE, limits).join()).isPresent();
  }

  @Test
  void concurrentAdmissionsOfTwoReplicasInManyNamespacesNeverExceedTheCaps() throws Exception {
    JobStores replica = replicaStores(clock);
    try {
      List<String> namespaces = List.of(ns, fresh("ns"), fresh("ns"));
      List<String> thirdParties = List.of("acme", "globex", "initech");
      var limits = new SlotLimits(3, 5, 2);
      List<CompletableFuture<AdmissionStep>> answers = new ArrayList<>();
      List<Build> builds = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Build build = build("parser-" + i, namespaces.get(i % 3), thirdParties.get((i / 3) % 3));
        builds.add(build);
        JobStores via = i % 2 == 0 ? stores : replica;
        answers.add(via.admissions().admit(attempt(build, limits, i % 4 != 0)));
      }
      List<String> holders = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        if (answers.get(i).join() instanceof SlotTaken) {
          holders.add(builds.get(i).thirdParty().orElseThrow());
        }
      }

      assertThat(holders).hasSize(5);
      for (String thirdParty : thirdParties) {
        assertThat(holders).filteredOn(thirdParty::equals).hasSizeLessThanOrEqualTo(2);
      }
      int active = 0;
      for (String namespace : namespaces) {
        active += stores.slots().active(namespace).join();
      }
      assertThat(active).isEqualTo(5);
    } finally {
      if (replica != stores) {
        replica.close();
      }
    }
  }
}
