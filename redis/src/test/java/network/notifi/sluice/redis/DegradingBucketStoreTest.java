package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.ForwardingBucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Degraded mode over a shared store that can be switched off, made slow or contended; no Redis
 * needed. Time is a {@link ManualClock} for the shares, the breaker and call durations alike, and
 * the maintenance round runs when a test calls it.
 */
class DegradingBucketStoreTest {

  private final ManualClock clock = new ManualClock();
  private final InProcessBucketStore redis = InProcessBucketStore.create(clock, 100);
  private final SwitchableStore shared = new SwitchableStore(redis);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Map<BucketKey, Long> lastKnown = new ConcurrentHashMap<>();

  private DegradingBucketStore store(FailureMode mode, int replicas) {
    return DegradingBucketStore.builder(shared)
        .failureMode(mode)
        .liveReplicas(() -> replicas)
        .clock(clock)
        .slowCallThreshold(Duration.ofMillis(250))
        .meterRegistry(registry)
        .maintenanceEvery(Duration.ZERO)
        .build();
  }

  private static boolean take(DegradingBucketStore store, BucketKey key, Limit limit) {
    return store.tryConsume(key, limit, 1).join().consumed();
  }

  private static int admitted(DegradingBucketStore store, BucketKey key, Limit limit, int attempts) {
    int admitted = 0;
    for (int i = 0; i < attempts; i++) {
      admitted += take(store, key, limit) ? 1 : 0;
    }
    return admitted;
  }

  @Test
  void unavailableRedisOpensTheBreakerAndDecisionsGoLocal() {
    var store = store(FailureMode.LOCAL, 2);
    shared.up.set(false);

    for (int i = 0; i < 5; i++) {
      var probe = store.tryConsume(BucketKey.thirdParty("warmup"), Limit.of(1, 100), 1).join();
      assertThat(probe.degraded()).isTrue();
    }

    assertThat(store.isDegraded()).isTrue();
    assertThat(registry.get("rate_limit_degraded").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("rate_limit_degraded_switches").tag("to", "degraded").counter().count()).isEqualTo(1);
    assertThat(registry.get("rate_limit_store_errors").counter().count()).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0} tokens last seen, {1} replicas: the share starts with {2}")
  @CsvSource({"30, 3, 10", "30, 1, 30", "100, 3, 33", "2, 3, 0", "0, 2, 0"})
  void aShareStartsFromTheLastKnownStateDividedByTheLiveReplicas(long seen, int replicas, int start) {
    var store = store(FailureMode.LOCAL, replicas);
    openBreaker(store);
    var key = BucketKey.endpoint("build.start");
    lastKnown.put(key, seen);

    // The clock stands still: nothing refills, so the share admits exactly what it started with.
    assertThat(admitted(store, key, Limit.of(1, 100), 200)).isEqualTo(start);
  }

  @Test
  void aShareWithNoRecentStateStartsEmptyAndRefillsAtItsShareOfTheRate() {
    var store = store(FailureMode.LOCAL, 12);
    openBreaker(store);
    var key = BucketKey.thirdParty("unknown");
    var limit = Limit.of(10, 100); // 10/12 tokens per second for each of 12 replicas

    assertThat(take(store, key, limit)).isFalse();
    clock.advanceMillis(1_199);
    assertThat(take(store, key, limit)).isFalse();
    clock.advanceMillis(1);
    assertThat(take(store, key, limit)).isTrue();
  }

  @ParameterizedTest(name = "rate {0}/s over {1} replicas for 60 s: {2} each")
  @CsvSource({"10, 12, 50", "10, 3, 200", "1, 7, 8", "100, 3, 2000"})
  void sharesOfTheRateAddUpToTheLimitAlsoBelowOneTokenPerSecond(long rate, int replicas, int each) {
    var store = store(FailureMode.LOCAL, replicas);
    openBreaker(store);
    var key = BucketKey.GLOBAL;
    var limit = Limit.of(rate, replicas); // a share's capacity of 1: nothing builds up between polls

    int admitted = admitted(store, key, limit, 2); // makes the share at the start of the 60 s: empty
    for (int tick = 0; tick < 60_000; tick += 10) {
      clock.advanceMillis(10);
      admitted += admitted(store, key, limit, 2);
    }

    assertThat(admitted).isEqualTo(each);
    assertThat((long) admitted * replicas).isLessThanOrEqualTo(rate * 60);
  }

  @Test
  void aTokenTakenLocallyIsGivenBackToTheShare() {
    var store = store(FailureMode.LOCAL, 1);
    openBreaker(store);
    var key = BucketKey.thirdParty("tp");
    var limit = Limit.of(1, 10);
    lastKnown.put(key, 1L);
    var taken = store.tryConsume(key, limit, 1).join();
    assertThat(take(store, key, limit)).isFalse();

    store.refund(key, limit, 1, taken).join();

    assertThat(take(store, key, limit)).as("the share has its token back").isTrue();
    assertThat(shared.calls.get()).as("nothing went to Redis").isEqualTo(callsToOpen);
  }

  @Test
  void aTokenTakenFromRedisIsGivenBackToRedisOnceItAnswersAgain() {
    var store = store(FailureMode.LOCAL, 1);
    var key = BucketKey.thirdParty("tp");
    var limit = Limit.of(1, 10);
    assertThat(admitted(store, key, limit, 4)).isEqualTo(4);
    var taken = store.tryConsume(key, limit, 1).join(); // from Redis: 5 left there
    assertThat(taken.degraded()).isFalse();
    openBreaker(store);

    store.refund(key, limit, 1, taken).join(); // Redis cannot be asked: owed
    bringBack(store); // 1 s later: 6 in Redis
    store.maintain();

    assertThat(sharedTokens(key, limit)).isEqualTo(7);
    assertThat(registry.get("rate_limit_reconciled_tokens").tag("outcome", "refunded").counter().count()).isEqualTo(1);
  }

  @Test
  void switchingBackChargesTheSharedBucketWithWhatTheShareHandedOutAsFarAsItAllows() {
    var store = store(FailureMode.LOCAL, 1);
    var key = BucketKey.thirdParty("tp");
    var limit = Limit.of(1, 10);
    assertThat(admitted(store, key, limit, 5)).isEqualTo(5); // from Redis: 5 left there
    openBreaker(store);
    lastKnown.put(key, 7L); // this replica's (stale) view of the bucket
    assertThat(admitted(store, key, limit, 20)).isEqualTo(7);

    bringBack(store); // 1 s later: 6 in Redis
    store.maintain();

    assertThat(sharedTokens(key, limit)).isZero();
    assertThat(registry.get("rate_limit_reconciled_tokens").tag("outcome", "charged").counter().count()).isEqualTo(6);
    assertThat(registry.get("rate_limit_reconciled_tokens").tag("outcome", "forgiven").counter().count()).isEqualTo(1);
    store.maintain();
    assertThat(registry.get("rate_limit_reconciled_tokens").tag("outcome", "charged").counter().count())
        .as("charged once").isEqualTo(6);
  }

  @Test
  void contentionOnOneKeyIsAnsweredLocallyWithoutTakingTheOtherLevelsLocal() {
    var store = store(FailureMode.LOCAL, 1);
    var hot = BucketKey.GLOBAL;
    shared.contended.add(hot);
    lastKnown.put(hot, 1_000L);

    for (int i = 0; i < 20; i++) {
      assertThat(store.tryConsume(hot, Limit.of(1_000, 1_000), 1).join().degraded()).isTrue();
    }

    assertThat(store.isDegraded()).isFalse();
    assertThat(registry.get("rate_limit_contended").tag("limit_type", "global").counter().count()).isEqualTo(20);
    assertThat(store.tryConsume(BucketKey.endpoint("build.start"), Limit.of(10, 10), 1).join().degraded()).isFalse();
  }

  @Test
  void slowCallsOpenTheBreakerLikeFailures() {
    var store = store(FailureMode.LOCAL, 1);
    shared.delayMillis.set(300); // over the 250 ms slow-call threshold

    for (int i = 0; i < 5; i++) {
      assertThat(take(store, BucketKey.thirdParty("slow"), Limit.of(100, 100))).isTrue();
    }

    assertThat(store.isDegraded()).isTrue();
  }

  @Test
  void failureModeOpenAdmitsEverything() {
    var store = store(FailureMode.OPEN, 3);
    openBreaker(store);

    assertThat(admitted(store, BucketKey.GLOBAL, Limit.of(1, 1), 50)).isEqualTo(50);
  }

  @Test
  void failureModeClosedRefusesEverythingWithARetryAfter() {
    var store = store(FailureMode.CLOSED, 3);
    openBreaker(store);

    var probe = store.tryConsume(BucketKey.GLOBAL, Limit.of(100, 100), 1).join();

    assertThat(probe.consumed()).isFalse();
    assertThat(probe.nanosToNextToken()).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void onceOpenNoCallReachesTheSharedStore() {
    var store = store(FailureMode.LOCAL, 2);
    openBreaker(store);
    int before = shared.calls.get();

    admitted(store, BucketKey.GLOBAL, Limit.of(10, 10), 100);

    assertThat(shared.calls.get()).isEqualTo(before);
  }

  @Test
  void decisionsReturnToTheSharedStoreAfterTheWaitAndTwoGoodProbes() {
    var store = store(FailureMode.LOCAL, 2);
    openBreaker(store);
    shared.up.set(true);

    store.maintain();
    assertThat(store.isDegraded()).as("the breaker's 1 s wait is not over").isTrue();
    clock.advanceMillis(1_001);
    store.maintain();
    store.maintain();

    assertThat(store.isDegraded()).isFalse();
    assertThat(registry.get("rate_limit_degraded_switches").tag("to", "shared").counter().count()).isEqualTo(1);
    assertThat(registry.get("rate_limit_degraded").gauge().value()).isZero();
    int before = shared.calls.get();
    store.tryConsume(BucketKey.GLOBAL, Limit.of(1, 1), 1).join();
    assertThat(shared.calls.get()).isEqualTo(before + 1);
  }

  private int callsToOpen;

  private void openBreaker(DegradingBucketStore store) {
    shared.up.set(false);
    while (!store.isDegraded()) {
      store.tryConsume(BucketKey.thirdParty("opener"), Limit.of(1_000, 1_000), 1).join();
    }
    callsToOpen = shared.calls.get();
  }

  private void bringBack(DegradingBucketStore store) {
    shared.up.set(true);
    clock.advanceMillis(1_001);
    store.maintain();
    store.maintain();
    assertThat(store.isDegraded()).isFalse();
  }

  @Test
  void everyCallOfTheStoreIsItsOwnNoneLeftToTheInterfaceDefault() {
    assertThat(ForwardingBucketStore.callsNotOverridden(DegradingBucketStore.class)).isEmpty();
  }

  private long sharedTokens(BucketKey key, Limit limit) {
    return redis.snapshot(key, limit).join().map(BucketSnapshot::availableTokens).orElse(limit.burst());
  }

  /**
   * A store that fails every call while {@code up} is false, fails calls on {@code contended} keys
   * with {@link CasContentionException}, takes {@code delayMillis} of the clock per call, and counts
   * the calls it gets.
   */
  final class SwitchableStore extends ForwardingBucketStore {
    final AtomicBoolean up = new AtomicBoolean(true);
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger delayMillis = new AtomicInteger();
    final Set<BucketKey> contended = ConcurrentHashMap.newKeySet();

    SwitchableStore(InProcessBucketStore delegate) {
      super(delegate);
    }

    /** What the test says this replica last saw of the bucket, as a Redis store remembers it. */
    @Override
    public OptionalLong expectedTokens(BucketKey key, Limit limit) {
      Long seen = lastKnown.get(key);
      return seen == null ? OptionalLong.empty() : OptionalLong.of(seen);
    }

    private <T> CompletableFuture<T> gate(BucketKey key, Supplier<CompletableFuture<T>> call) {
      calls.incrementAndGet();
      clock.advanceMillis(delayMillis.get());
      if (!up.get()) {
        return CompletableFuture.failedFuture(new IllegalStateException("redis is down"));
      }
      if (contended.contains(key)) {
        return CompletableFuture.failedFuture(new CasContentionException("sluice:rl:{" + key + "}", 8));
      }
      return call.get();
    }

    @Override
    public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
      return gate(key, () -> delegate.tryConsume(key, limit, tokens));
    }

    @Override
    public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
      return gate(key, () -> delegate.refund(key, limit, tokens));
    }

    @Override
    public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
      return gate(key, () -> delegate.refund(key, limit, tokens, taken));
    }

    @Override
    public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
      return gate(key, () -> delegate.consumeUpTo(key, limit, tokens));
    }

    @Override
    public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
      return gate(key, () -> delegate.snapshot(key, limit));
    }
  }
}
