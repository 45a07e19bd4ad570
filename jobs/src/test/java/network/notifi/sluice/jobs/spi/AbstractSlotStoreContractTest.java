package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  @Test
  void acquiresUpToTheLimitAndRefusesTheNext() {
    List<Boolean> acquired = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      acquired.add(store.acquire(ns, "b" + i, 3, LEASE).join().acquired());
    }

    assertThat(acquired).containsExactly(true, true, true, false);
    assertThat(store.active(ns).join()).isEqualTo(3);
  }

  @Test
  void acquisitionReportsTheActiveCountAfterTheAttempt() {
    store.acquire(ns, "a", 2, LEASE).join();

    assertThat(store.acquire(ns, "b", 2, LEASE).join()).isEqualTo(new SlotAcquisition(true, 2));
    assertThat(store.acquire(ns, "c", 2, LEASE).join()).isEqualTo(new SlotAcquisition(false, 2));
  }

  @Test
  void acquiringAgainForTheSameBuildTakesNoSecondSlot() {
    store.acquire(ns, "a", 2, LEASE).join();

    var again = store.acquire(ns, "a", 2, LEASE).join();

    assertThat(again).isEqualTo(new SlotAcquisition(true, 1));
  }

  @Test
  void namespacesNeverShareSlots() {
    String other = fresh("ns");
    store.acquire(ns, "a", 1, LEASE).join();

    assertThat(store.acquire(other, "b", 1, LEASE).join().acquired()).isTrue();
    assertThat(store.acquire(ns, "c", 1, LEASE).join().acquired()).isFalse();
  }

  @Test
  void releaseFreesTheSlotExactlyOnce() {
    store.acquire(ns, "a", 1, LEASE).join();

    assertThat(store.release(ns, "a").join()).isTrue();
    assertThat(store.release(ns, "a").join()).isFalse();
    assertThat(store.active(ns).join()).isZero();
    assertThat(store.acquire(ns, "b", 1, LEASE).join().acquired()).isTrue();
  }

  @Test
  void releasingABuildThatHoldsNoSlotIsHarmless() {
    store.acquire(ns, "a", 2, LEASE).join();

    assertThat(store.release(ns, "never").join()).isFalse();
    assertThat(store.active(ns).join()).isEqualTo(1);
  }

  @Test
  void expiredLeaseFreesItsSlot() {
    store.acquire(ns, "dead-owner", 1, LEASE).join();

    clock.advance(LEASE);

    assertThat(store.active(ns).join()).isZero();
    assertThat(store.acquire(ns, "next", 1, LEASE).join().acquired()).isTrue();
  }

  @Test
  void renewedLeaseOutlivesItsFirstDeadline() {
    store.acquire(ns, "a", 1, LEASE).join();
    clock.advance(LEASE.minusSeconds(1));

    assertThat(store.renew(ns, "a", LEASE).join()).isTrue();
    clock.advance(Duration.ofSeconds(2));

    assertThat(store.active(ns).join()).isEqualTo(1);
    assertThat(store.lease(ns, "a").join()).get().extracting(Lease::expiresAt)
        .isEqualTo(clock.instant().plus(LEASE).minusSeconds(2));
  }

  @Test
  void expiredLeaseCannotBeRenewed() {
    store.acquire(ns, "a", 1, LEASE).join();
    clock.advance(LEASE);

    assertThat(store.renew(ns, "a", LEASE).join()).isFalse();
    assertThat(store.renew(ns, "never", LEASE).join()).isFalse();
  }

  @Test
  void leasesListsTheLiveLeasesWithTheirDeadlines() {
    store.acquire(ns, "a", 3, LEASE).join();
    clock.advance(Duration.ofSeconds(5));
    store.acquire(ns, "b", 3, LEASE).join();

    assertThat(store.leases(ns).join())
        .containsExactlyInAnyOrder(
            new Lease(ns, "a", clock.instant().plus(LEASE).minusSeconds(5)),
            new Lease(ns, "b", clock.instant().plus(LEASE)));
    assertThat(store.lease(ns, "none").join()).isEmpty();
  }

  @Test
  void reapReturnsEachExpiredLeaseOnce() {
    store.acquire(ns, "a", 3, LEASE).join();
    store.acquire(ns, "b", 3, LEASE).join();
    clock.advance(Duration.ofSeconds(10));
    store.acquire(ns, "c", 3, LEASE).join();
    clock.advance(LEASE.minusSeconds(5));

    assertThat(store.reapExpired(ns).join()).extracting(Lease::buildId).containsExactlyInAnyOrder("a", "b");
    assertThat(store.reapExpired(ns).join()).isEmpty();
    assertThat(store.active(ns).join()).isEqualTo(1);
  }

  @Test
  void leaseDroppedByAcquireIsStillReaped() {
    store.acquire(ns, "dead", 1, LEASE).join();
    clock.advance(LEASE);
    assertThat(store.acquire(ns, "new", 1, LEASE).join().acquired()).isTrue();

    assertThat(store.reapExpired(ns).join()).extracting(Lease::buildId).containsExactly("dead");
  }

  @Test
  void releaseOfAnExpiredUnreapedLeaseCountsOnceAndIsNotReaped() {
    store.acquire(ns, "late", 1, LEASE).join();
    clock.advance(LEASE);

    assertThat(store.release(ns, "late").join()).isTrue();
    assertThat(store.reapExpired(ns).join()).isEmpty();
    assertThat(store.release(ns, "late").join()).isFalse();
  }

  @Test
  void releaseAfterReapIsHarmless() {
    store.acquire(ns, "a", 1, LEASE).join();
    clock.advance(LEASE);
    store.reapExpired(ns).join();

    assertThat(store.release(ns, "a").join()).isFalse();
  }

  @Test
  void namespacesListsThoseHoldingLeases() {
    String other = fresh("ns");
    store.acquire(ns, "a", 1, LEASE).join();
    store.acquire(other, "b", 1, LEASE).join();
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
          return store.acquire(ns, id, limit, LEASE).get(10, TimeUnit.SECONDS).acquired();
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
}
