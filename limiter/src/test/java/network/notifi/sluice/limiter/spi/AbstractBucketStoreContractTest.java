package network.notifi.sluice.limiter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BucketStore} must do. Each backend extends this class and supplies a store on a
 * {@link ManualClock}; tests move time with the clock, never by sleeping. Each test uses bucket ids
 * of its own, so a backend may keep one server for the whole class.
 */
public abstract class AbstractBucketStoreContractTest {

  protected final ManualClock clock = new ManualClock();
  protected BucketStore store;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  /** A new store whose buckets run on {@code clock}. */
  protected abstract BucketStore newStore(ManualClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore(clock);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** A third-party id no other test (or earlier run against the same server) uses. */
  protected static BucketKey freshThirdParty() {
    return BucketKey.thirdParty("tp-" + System.nanoTime() + "-" + UNIQUE.incrementAndGet());
  }

  @Test
  void aBucketTakesAChangedLimitAndKeepsItsTokensUpToTheNewCapacity() {
    var key = freshThirdParty();
    var before = Limit.of(1, 10);
    store.limitsChanged(1, Set.of(before));
    store.tryConsume(key, before, 4).join();

    var wider = Limit.of(1, 20);
    store.limitsChanged(2, Set.of(wider));
    var kept = store.tryConsume(key, wider, 1).join();
    var narrower = Limit.of(1, 3);
    store.limitsChanged(3, Set.of(narrower));
    var capped = store.tryConsume(key, narrower, 1).join();

    // 10 - 4 = 6 kept under the wider limit (not a fresh 20); then capped to the new capacity 3.
    assertThat(kept.remaining()).isEqualTo(5);
    assertThat(capped.remaining()).isEqualTo(2);
    assertThat(capped.nanosToFull()).isEqualTo(TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void aDecisionWithALimitNoLongerInForceDoesNotPutItBack() {
    var key = freshThirdParty();
    var old = Limit.of(1, 10);
    store.limitsChanged(1, Set.of(old));
    store.tryConsume(key, old, 1).join();
    var current = Limit.of(1, 4);
    store.limitsChanged(2, Set.of(current));
    store.tryConsume(key, current, 1).join();

    // A decision that started before the change still carries the old limit: it takes a token
    // from the bucket as it is, with capacity 4, and does not make it 10 again.
    store.tryConsume(key, old, 1).join();
    var after = store.tryConsume(key, current, 1).join();

    assertThat(after.remaining()).isEqualTo(1);
    assertThat(after.nanosToFull()).isEqualTo(TimeUnit.SECONDS.toNanos(3));
  }

  @Test
  void newBucketStartsFullAndAdmitsExactlyItsBurst() {
    var key = freshThirdParty();
    var limit = Limit.of(1, 5);

    List<Boolean> outcomes = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      outcomes.add(store.tryConsume(key, limit, 1).join().consumed());
    }

    assertThat(outcomes).containsExactly(true, true, true, true, true, false, false);
  }

  @Test
  void probeReportsRemainingTokensAndTimeToFull() {
    var key = freshThirdParty();
    var limit = Limit.of(10, 20);

    var probe = store.tryConsume(key, limit, 5).join();

    assertThat(probe.consumed()).isTrue();
    assertThat(probe.remaining()).isEqualTo(15);
    assertThat(probe.nanosToNextToken()).isZero();
    assertThat(probe.nanosToFull()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
  }

  @Test
  void refusalSaysHowLongUntilTheNextToken() {
    var key = freshThirdParty();
    var limit = Limit.of(4, 2);
    store.tryConsume(key, limit, 2).join();

    var probe = store.tryConsume(key, limit, 1).join();

    assertThat(probe.consumed()).isFalse();
    assertThat(probe.remaining()).isZero();
    assertThat(probe.nanosToNextToken()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
  }

  @Test
  void bucketRefillsWithTheClock() {
    var key = freshThirdParty();
    var limit = Limit.of(10, 10);
    store.tryConsume(key, limit, 10).join();
    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isFalse();

    clock.advanceMillis(100);
    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isTrue();
    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isFalse();

    clock.advanceMillis(10_000);
    assertThat(store.tryConsume(key, limit, 10).join().consumed()).isTrue();
  }

  @Test
  void refillNeverExceedsCapacity() {
    var key = freshThirdParty();
    var limit = Limit.of(100, 3);
    store.tryConsume(key, limit, 1).join();

    clock.advanceMillis(60_000);

    assertThat(store.tryConsume(key, limit, 4).join().consumed()).isFalse();
    assertThat(store.tryConsume(key, limit, 3).join().remaining()).isZero();
  }

  @Test
  void refundGivesTokensBackButNotBeyondCapacity() {
    var key = freshThirdParty();
    var limit = Limit.of(1, 3);
    store.tryConsume(key, limit, 3).join();

    store.refund(key, limit, 2).join();
    assertThat(store.tryConsume(key, limit, 2).join().consumed()).isTrue();

    store.refund(key, limit, 100).join();
    assertThat(store.tryConsume(key, limit, 4).join().consumed()).isFalse();
    assertThat(store.tryConsume(key, limit, 3).join().consumed()).isTrue();
  }

  @Test
  void refundOfATakenProbeGivesTheTokenBack() {
    var key = freshThirdParty();
    var limit = Limit.of(1, 2);
    var taken = store.tryConsume(key, limit, 1).join();
    store.tryConsume(key, limit, 1).join();

    store.refund(key, limit, 1, taken).join();

    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isTrue();
    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isFalse();
  }

  @Test
  void consumeUpToTakesWhatTheBucketHoldsAndNoMore() {
    var key = freshThirdParty();
    var limit = Limit.of(1, 5);
    store.tryConsume(key, limit, 2).join();

    assertThat(store.consumeUpTo(key, limit, 2).join()).isEqualTo(2);
    assertThat(store.consumeUpTo(key, limit, 10).join()).isEqualTo(1);
    assertThat(store.consumeUpTo(key, limit, 1).join()).isZero();

    clock.advanceMillis(1_000);
    assertThat(store.tryConsume(key, limit, 1).join().consumed()).isTrue();
  }

  @Test
  void bucketsAreIsolatedByKey() {
    var a = freshThirdParty();
    var b = freshThirdParty();
    var limit = Limit.of(1, 1);

    store.tryConsume(a, limit, 1).join();

    assertThat(store.tryConsume(a, limit, 1).join().consumed()).isFalse();
    assertThat(store.tryConsume(b, limit, 1).join().consumed()).isTrue();
  }

  @Test
  void levelsWithTheSameIdAreDifferentBuckets() {
    String id = "same-" + System.nanoTime();
    var limit = Limit.of(1, 1);

    store.tryConsume(new BucketKey(Level.ENDPOINT, id), limit, 1).join();

    assertThat(store.tryConsume(BucketKey.thirdParty(id), limit, 1).join().consumed()).isTrue();
  }

  @Test
  void anonymousBucketIsNotAnyThirdPartysBucket() {
    var limit = Limit.of(1, 1);
    store.tryConsume(BucketKey.ANONYMOUS, limit, 1).join();

    assertThat(store.tryConsume(freshThirdParty(), limit, 1).join().consumed()).isTrue();
  }

  @Test
  void snapshotShowsAvailableTokensAndCapacity() {
    var key = freshThirdParty();
    var limit = Limit.of(1, 8);
    store.tryConsume(key, limit, 3).join();

    var snapshot = store.snapshot(key, limit).join();

    assertThat(snapshot).hasValueSatisfying(s -> {
      assertThat(s.availableTokens()).isEqualTo(5);
      assertThat(s.capacity()).isEqualTo(8);
    });
  }

  @Test
  void concurrentConsumersNeverTakeMoreThanTheBucketHolds() throws Exception {
    var key = freshThirdParty();
    var limit = Limit.of(1, 50);
    int threads = 8;
    int attemptsPerThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    var start = new CountDownLatch(1);
    var admitted = new AtomicInteger();
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        all.add(CompletableFuture.runAsync(() -> {
          await(start);
          for (int i = 0; i < attemptsPerThread; i++) {
            if (store.tryConsume(key, limit, 1).join().consumed()) {
              admitted.incrementAndGet();
            }
          }
        }, pool));
      }
      start.countDown();
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    // The clock does not move, so exactly the burst is admitted: no more (atomicity), no fewer.
    assertThat(admitted).hasValue(50);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
