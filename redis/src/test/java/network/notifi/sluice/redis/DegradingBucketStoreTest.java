package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Degraded mode over a shared store that can be switched off; no Redis needed. */
class DegradingBucketStoreTest {

  private final ManualClock clock = new ManualClock();
  private final SwitchableStore shared = new SwitchableStore(InProcessBucketStore.create(clock, 100));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private DegradingBucketStore store(FailureMode mode, int replicas) {
    return DegradingBucketStore.create(shared, mode, () -> replicas, clock,
        DegradingBucketStore.defaultBreakerConfig(), registry);
  }

  @Test
  void failuresAreAnsweredLocallyAndOpenTheBreaker() {
    var store = store(FailureMode.LOCAL, 2);
    shared.up.set(false);

    for (int i = 0; i < 5; i++) {
      assertThat(store.tryConsume(BucketKey.thirdParty("warmup"), Limit.of(1, 100), 1).join().consumed()).isTrue();
    }

    assertThat(store.isDegraded()).isTrue();
    assertThat(registry.get("rate_limit_degraded").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("rate_limit_degraded_switches").tag("to", "degraded").counter().count()).isEqualTo(1);
    assertThat(registry.get("rate_limit_store_errors").counter().count()).isEqualTo(5);
  }

  @ParameterizedTest
  @CsvSource({"1, 10", "2, 5", "3, 3", "20, 1"})
  void localBucketsHoldTheLimitDividedByLiveReplicas(int replicas, int admitted) {
    var store = store(FailureMode.LOCAL, replicas);
    openBreaker(store);
    var key = BucketKey.thirdParty("tp");
    var limit = Limit.of(10, 10);

    int count = 0;
    for (int i = 0; i < 20; i++) {
      count += store.tryConsume(key, limit, 1).join().consumed() ? 1 : 0;
    }

    assertThat(count).isEqualTo(admitted);
    assertThat(store.localLimit(limit)).isEqualTo(Limit.of(Math.max(1, 10 / replicas), Math.max(1, 10 / replicas)));
  }

  @Test
  void failureModeOpenAdmitsEverything() {
    var store = store(FailureMode.OPEN, 3);
    openBreaker(store);

    for (int i = 0; i < 50; i++) {
      assertThat(store.tryConsume(BucketKey.GLOBAL, Limit.of(1, 1), 1).join().consumed()).isTrue();
    }
  }

  @Test
  void failureModeClosedRefusesEverythingWithARetryAfter() {
    var store = store(FailureMode.CLOSED, 3);
    openBreaker(store);

    TokenProbe probe = store.tryConsume(BucketKey.GLOBAL, Limit.of(100, 100), 1).join();

    assertThat(probe.consumed()).isFalse();
    assertThat(probe.nanosToNextToken()).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void onceOpenNoCallReachesTheSharedStore() {
    var store = store(FailureMode.LOCAL, 1);
    openBreaker(store);
    int before = shared.calls;

    for (int i = 0; i < 100; i++) {
      store.tryConsume(BucketKey.thirdParty("x" + i), Limit.of(1, 1), 1).join();
    }

    assertThat(shared.calls).isEqualTo(before);
  }

  @Test
  void decisionsReturnToTheSharedStoreWhenItIsBack() {
    var store = store(FailureMode.LOCAL, 2);
    openBreaker(store);

    shared.up.set(true);

    await().atMost(Duration.ofSeconds(10)).until(() -> !store.isDegraded());
    assertThat(registry.get("rate_limit_degraded_switches").tag("to", "shared").counter().count()).isEqualTo(1);
    assertThat(registry.get("rate_limit_degraded").gauge().value()).isZero();
    int before = shared.calls;
    store.tryConsume(BucketKey.GLOBAL, Limit.of(1, 1), 1).join();
    assertThat(shared.calls).isEqualTo(before + 1);
  }

  private void openBreaker(DegradingBucketStore store) {
    shared.up.set(false);
    while (!store.isDegraded()) {
      store.tryConsume(BucketKey.thirdParty("opener"), Limit.of(1_000, 1_000), 1).join();
    }
  }

  /** A store that fails every call while {@code up} is false, and counts the calls it gets. */
  static final class SwitchableStore implements BucketStore {
    final AtomicBoolean up = new AtomicBoolean(true);
    final BucketStore delegate;
    volatile int calls;

    SwitchableStore(BucketStore delegate) {
      this.delegate = delegate;
    }

    private <T> CompletableFuture<T> gate(java.util.function.Supplier<CompletableFuture<T>> call) {
      calls++;
      return up.get() ? call.get() : CompletableFuture.failedFuture(new IllegalStateException("redis is down"));
    }

    @Override
    public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
      return gate(() -> delegate.tryConsume(key, limit, tokens));
    }

    @Override
    public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
      return gate(() -> delegate.refund(key, limit, tokens));
    }

    @Override
    public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
      return gate(() -> delegate.snapshot(key, limit));
    }
  }
}
