package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SlotStore} must do. A backend extends this class and supplies a store on the
 * given {@link MutableClock}; tests move time with the clock, never by sleeping. Each test uses
 * namespaces of its own.
 */
public abstract class AbstractSlotStoreContractTest {

  protected static final Duration LEASE = Duration.ofSeconds(30);

  protected final MutableClock clock = new MutableClock();
  protected SlotStore store;
  private String ns;

  /** A new store whose leases run on {@code clock}. */
  protected abstract SlotStore newStore(MutableClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore(clock);
    ns = fresh("ns");
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** Acquires under the namespace limit only, for a build without a third party. */
  private SlotAcquisition acquire(String namespace, String buildId, int limit) {
    return store.acquire(namespace, buildId, Optional.empty(), SlotLimits.ofNamespace(limit), LEASE).join();
  }

  private Optional<Lease> leaseOf(String buildId) {
    return store.leases(ns).join().stream().filter(l -> l.buildId().equals(buildId)).findFirst();
  }

  @Test
  void acquiresUpToTheLimitAndRefusesTheNext() {
    List<Boolean> acquired = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      acquired.add(acquire(ns, "b" + i, 3).acquired());
    }

    assertThat(acquired).containsExactly(true, true, true, false);
    assertThat(store.active(ns).join()).isEqualTo(3);
  }

  @Test
  void acquisitionReportsTheActiveCountAfterTheAttempt() {
    acquire(ns, "a", 2);

    assertThat(acquire(ns, "b", 2)).isEqualTo(SlotAcquisition.acquired(2));
    assertThat(acquire(ns, "c", 2)).isEqualTo(SlotAcquisition.refused(2, JobLimit.NAMESPACE));
  }

  @Test
  void acquiringAgainForTheSameBuildTakesNoSecondSlot() {
    acquire(ns, "a", 2);

    var again = acquire(ns, "a", 2);

    assertThat(again).isEqualTo(SlotAcquisition.acquired(1));
  }

  @Test
  void namespacesNeverShareSlots() {
    String other = fresh("ns");
    acquire(ns, "a", 1);

    assertThat(acquire(other, "b", 1).acquired()).isTrue();
    assertThat(acquire(ns, "c", 1).acquired()).isFalse();
  }

  @Test
  void releaseFreesTheSlotExactlyOnce() {
    acquire(ns, "a", 1);

    assertThat(store.release(ns, "a").join()).isTrue();
    assertThat(store.release(ns, "a").join()).isFalse();
    assertThat(store.active(ns).join()).isZero();
    assertThat(acquire(ns, "b", 1).acquired()).isTrue();
  }

  @Test
  void releasingABuildThatHoldsNoSlotIsHarmless() {
    acquire(ns, "a", 2);

    assertThat(store.release(ns, "never").join()).isFalse();
    assertThat(store.active(ns).join()).isEqualTo(1);
  }

  @Test
  void expiredLeaseFreesItsSlot() {
    acquire(ns, "dead-owner", 1);

    clock.advance(LEASE);

    assertThat(store.active(ns).join()).isZero();
    assertThat(acquire(ns, "next", 1).acquired()).isTrue();
  }

  @Test
  void renewedLeaseOutlivesItsFirstDeadline() {
    acquire(ns, "a", 1);
    clock.advance(LEASE.minusSeconds(1));

    assertThat(store.renew(ns, "a", LEASE).join()).isTrue();
    clock.advance(Duration.ofSeconds(2));

    assertThat(store.active(ns).join()).isEqualTo(1);
    assertThat(leaseOf("a")).get().extracting(Lease::expiresAt)
        .isEqualTo(clock.instant().plus(LEASE).minusSeconds(2));
  }

  @Test
  void expiredLeaseCannotBeRenewed() {
    acquire(ns, "a", 1);
    clock.advance(LEASE);

    assertThat(store.renew(ns, "a", LEASE).join()).isFalse();
    assertThat(store.renew(ns, "never", LEASE).join()).isFalse();
  }

  @Test
  void leasesListsTheLiveLeasesWithTheirDeadlines() {
    acquire(ns, "a", 3);
    clock.advance(Duration.ofSeconds(5));
    acquire(ns, "b", 3);

    assertThat(store.leases(ns).join())
        .containsExactlyInAnyOrder(
            new Lease(ns, "a", clock.instant().plus(LEASE).minusSeconds(5)),
            new Lease(ns, "b", clock.instant().plus(LEASE)));
    assertThat(leaseOf("none")).isEmpty();
  }

  @Test
  void reapReturnsEachExpiredLeaseOnce() {
    acquire(ns, "a", 3);
    acquire(ns, "b", 3);
    clock.advance(Duration.ofSeconds(10));
    acquire(ns, "c", 3);
    clock.advance(LEASE.minusSeconds(5));

    assertThat(store.reapExpired(ns).join()).extracting(Lease::buildId).containsExactlyInAnyOrder("a", "b");
    assertThat(store.reapExpired(ns).join()).isEmpty();
    assertThat(store.active(ns).join()).isEqualTo(1);
  }

  @Test
  void leaseDroppedByAcquireIsStillReaped() {
    acquire(ns, "dead", 1);
    clock.advance(LEASE);
    assertThat(acquire(ns, "new", 1).acquired()).isTrue();

    assertThat(store.reapExpired(ns).join()).extracting(Lease::buildId).containsExactly("dead");
  }

  @Test
  void releaseOfAnExpiredUnreapedLeaseCountsOnceAndIsNotReaped() {
    acquire(ns, "late", 1);
    clock.advance(LEASE);

    assertThat(store.release(ns, "late").join()).isTrue();
    assertThat(store.reapExpired(ns).join()).isEmpty();
    assertThat(store.release(ns, "late").join()).isFalse();
  }

  @Test
  void releaseAfterReapIsHarmless() {
    acquire(ns, "a", 1);
    clock.advance(LEASE);
    store.reapExpired(ns).join();

    assertThat(store.release(ns, "a").join()).isFalse();
  }

  @Test
  void namespacesListsThoseHoldingLeases() {
    String other = fresh("ns");
    acquire(ns, "a", 1);
    acquire(other, "b", 1);
    store.release(other, "b").join();

    assertThat(store.namespaces().join()).contains(ns).doesNotContain(other);
  }

  @Test
  void concurrentAcquiresNeverExceedTheLimit() throws Exception {
    int threads = 8;
    int limit = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "b" + i;
        Callable<Boolean> attempt = () -> {
          go.await();
          return store.acquire(ns, id, Optional.empty(), SlotLimits.ofNamespace(limit), LEASE)
              .get(10, TimeUnit.SECONDS).acquired();
        };
        results.add(pool.submit(attempt));
      }
      go.countDown();
      int acquired = 0;
      for (Future<Boolean> result : results) {
        acquired += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }

      assertThat(acquired).isEqualTo(limit);
      assertThat(store.active(ns).join()).isEqualTo(limit);
    } finally {
      pool.shutdownNow();
    }
  }

  private SlotAcquisition acquire(String namespace, String buildId, String thirdParty, SlotLimits limits) {
    return store.acquire(namespace, buildId, Optional.ofNullable(thirdParty), limits, LEASE).join();
  }

  @Test
  void theTotalCapCountsTheLeasesOfEveryNamespace() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 2, 0);
    acquire(ns, "a", "acme", limits);
    acquire(other, "b", "globex", limits);

    assertThat(acquire(ns, "c", "initech", limits)).isEqualTo(SlotAcquisition.refused(1, JobLimit.TOTAL));
    assertThat(acquire(fresh("ns"), "d", "initech", limits).full()).contains(JobLimit.TOTAL);
  }

  @Test
  void aReleaseInOneNamespaceFreesTheTotalCapForAnother() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 1, 0);
    acquire(ns, "a", null, limits);
    assertThat(acquire(other, "b", null, limits).acquired()).isFalse();

    store.release(ns, "a").join();

    assertThat(acquire(other, "b", null, limits)).isEqualTo(SlotAcquisition.acquired(1));
  }

  @Test
  void theThirdPartyCapCountsItsLeasesInEveryNamespaceAndSparesOthers() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 0, 1);
    acquire(ns, "a", "acme", limits);

    assertThat(acquire(other, "b", "acme", limits)).isEqualTo(SlotAcquisition.refused(0, JobLimit.THIRD_PARTY));
    assertThat(acquire(other, "c", "globex", limits).acquired()).isTrue();
    assertThat(acquire(other, "d", null, limits).acquired()).isTrue();
    assertThat(acquire(ns, "e", null, limits).full()).as("builds without a third party count as one")
        .contains(JobLimit.THIRD_PARTY);
  }

  @Test
  void anExpiredLeaseFreesItsCapShareBeforeItIsReapedAndARenewedOneKeepsIt() {
    String other = fresh("ns");
    var limits = new SlotLimits(5, 2, 1);
    acquire(ns, "lost", "acme", limits);
    acquire(ns, "kept", "globex", limits);
    clock.advance(LEASE.minusSeconds(1));
    store.renew(ns, "kept", LEASE).join();
    clock.advance(Duration.ofSeconds(1));

    assertThat(acquire(other, "next", "acme", limits).acquired()).isTrue();
    assertThat(acquire(other, "more", "globex", limits).full()).contains(JobLimit.TOTAL);
    assertThat(store.reapExpired(ns).join()).extracting(Lease::buildId).containsExactly("lost");
    store.release(other, "next").join();
    assertThat(acquire(other, "more", "globex", limits).full()).contains(JobLimit.THIRD_PARTY);
  }

  @Test
  void aLeaseTakenWithoutLimitsCountsAgainstTheCaps() {
    acquire(ns, "adopted", "acme", SlotLimits.NONE);

    assertThat(acquire(fresh("ns"), "b", "acme", new SlotLimits(5, 0, 1)).full()).contains(JobLimit.THIRD_PARTY);
    assertThat(acquire(fresh("ns"), "c", "globex", new SlotLimits(5, 1, 0)).full()).contains(JobLimit.TOTAL);
  }

  @Test
  void concurrentAcquiresAcrossNamespacesNeverExceedTheCaps() throws Exception {
    List<String> namespaces = List.of(ns, fresh("ns"), fresh("ns"), fresh("ns"));
    List<String> thirdParties = List.of("acme", "globex", "initech");
    var limits = new SlotLimits(3, 5, 2);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        String namespace = namespaces.get(i % namespaces.size());
        String thirdParty = thirdParties.get(i % thirdParties.size());
        String id = "b" + i;
        results.add(pool.submit(() -> {
          go.await();
          return store.acquire(namespace, id, Optional.of(thirdParty), limits, LEASE).get(10, TimeUnit.SECONDS)
              .acquired() ? thirdParty : null;
        }));
      }
      go.countDown();
      List<String> holders = new ArrayList<>();
      for (Future<String> result : results) {
        String holder = result.get(30, TimeUnit.SECONDS);
        if (holder != null) {
          holders.add(holder);
        }
      }

      assertThat(holders).hasSize(5);
      for (String thirdParty : thirdParties) {
        assertThat(holders).filteredOn(thirdParty::equals).hasSizeLessThanOrEqualTo(2);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
