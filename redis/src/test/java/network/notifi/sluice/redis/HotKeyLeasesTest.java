package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.HotKeyLeaseConfig;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisson.api.RedissonClient;

/**
 * Token leases of the hot buckets ({@code redis.hot_key_leases}) on a real server, on a clock the test
 * moves. Each store stands for one replica.
 */
class HotKeyLeasesTest {

  private final ManualClock clock = new ManualClock();
  private final List<RedisBucketStore> stores = new ArrayList<>();
  private final String prefix = "lease" + System.nanoTime() + ":";

  static Stream<Arguments> servers() {
    return Stream.of(
        Arguments.of("standalone", (Supplier<RedissonClient>) SharedClients::standalone),
        Arguments.of("cluster", (Supplier<RedissonClient>) SharedClients::cluster));
  }

  @AfterEach
  void closeStores() {
    stores.forEach(RedisBucketStore::close);
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private RedisBucketStore replica(RedissonClient client, HotKeyLeaseConfig leases) {
    var store = SharedClients.storeBuilder(client).keyPrefix(prefix).clock(clock).hotKeyLeases(leases)
        .meterRegistry(registry).build();
    stores.add(store);
    return store;
  }

  private double endpointSwaps() {
    return registry.counter("rate_limit_redis_commands", "limit_type", "endpoint", "command", "cas").count();
  }

  /** Compare-and-swap scripts sent on the global bucket by every store of the test. */
  private double globalSwaps() {
    return registry.counter("rate_limit_redis_commands", "limit_type", "global", "command", "cas").count();
  }

  private static boolean take(RedisBucketStore store, BucketKey key, Limit limit) {
    return store.tryConsume(key, limit, 1).join().consumed();
  }

  /** The bucket's tokens in Redis, read by a replica that leases nothing. */
  private long shared(RedissonClient client, BucketKey key, Limit limit) {
    return replica(client, HotKeyLeaseConfig.off()).snapshot(key, limit).join().orElseThrow().availableTokens();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aReplicaTakesItsTokensALeaseAtATimeAndShowsTheLease(String name, Supplier<RedissonClient> client) {
    var store = replica(client.get(), new HotKeyLeaseConfig(10, Duration.ofSeconds(1)));
    var limit = Limit.of(1, 100);

    for (int i = 0; i < 25; i++) {
      assertThat(take(store, BucketKey.GLOBAL, limit)).isTrue();
    }

    assertThat(globalSwaps()).as("three leases of 10, not 25 swaps").isEqualTo(3);
    assertThat(shared(client.get(), BucketKey.GLOBAL, limit)).isEqualTo(70);
    BucketSnapshot snapshot = store.snapshot(BucketKey.GLOBAL, limit).join().orElseThrow();
    assertThat(snapshot.lease()).contains(new BucketSnapshot.Lease(10, Duration.ofSeconds(1), 5));
    assertThat(store.expectedTokens(BucketKey.GLOBAL, limit)).hasValue(75);
    assertThat(registry.counter("rate_limit_leases", "limit_type", "global").count()).isEqualTo(3);
    assertThat(registry.get("rate_limit_lease_tokens_held").tag("limit_type", "global").gauge().value()).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void thirdPartyBucketsAreNeverLeased(String name, Supplier<RedissonClient> client) {
    var store = replica(client.get(), new HotKeyLeaseConfig(10, Duration.ofSeconds(1)));
    var key = BucketKey.thirdParty("acme");
    var limit = Limit.of(1, 100);

    for (int i = 0; i < 3; i++) {
      assertThat(take(store, key, limit)).isTrue();
    }

    assertThat(shared(client.get(), key, limit)).isEqualTo(97);
    assertThat(store.snapshot(key, limit).join().orElseThrow().lease()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void whatALeaseHoldsGoesBackOnceItIsTooOld(String name, Supplier<RedissonClient> client) {
    var store = replica(client.get(), new HotKeyLeaseConfig(10, Duration.ofMillis(500)));
    var key = BucketKey.endpoint("build.start");
    var limit = Limit.of(1, 100);
    take(store, key, limit);
    take(store, key, limit);
    assertThat(shared(client.get(), key, limit)).isEqualTo(90);

    clock.advanceMillis(499);
    store.giveBackExpiredLeases();
    assertThat(shared(client.get(), key, limit)).as("still young: kept").isEqualTo(90);

    clock.advanceMillis(1);
    store.giveBackExpiredLeases();
    assertThat(shared(client.get(), key, limit)).as("8 back, no whole token refilled in 0.5 s at 1/s").isEqualTo(98);
    assertThat(registry.counter("rate_limit_lease_tokens_given_back", "limit_type", "endpoint").count()).isEqualTo(8);
    assertThat(store.snapshot(key, limit).join().orElseThrow().lease().orElseThrow().held()).isZero();
    double swaps = endpointSwaps();
    take(store, key, limit);
    assertThat(endpointSwaps()).as("an old lease hands out nothing: a new one is taken").isEqualTo(swaps + 1);
    assertThat(shared(client.get(), key, limit)).isEqualTo(88);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aLeaseHandsOutTokensOnlyUntilItsMaximumAge(String name, Supplier<RedissonClient> client) {
    var store = replica(client.get(), new HotKeyLeaseConfig(10, Duration.ofMillis(500)));
    var limit = Limit.of(1, 100);
    take(store, BucketKey.GLOBAL, limit);
    take(store, BucketKey.GLOBAL, limit);

    clock.advanceMillis(499);
    double swaps = globalSwaps();
    take(store, BucketKey.GLOBAL, limit);
    assertThat(globalSwaps()).as("a young lease answers from memory").isEqualTo(swaps);

    clock.advanceMillis(1);
    take(store, BucketKey.GLOBAL, limit);
    assertThat(shared(client.get(), BucketKey.GLOBAL, limit))
        .as("the old lease's 7 back, a new lease of 10 out").isEqualTo(87);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aBucketWithoutAWholeLeaseIsTakenFromOneTokenAtATime(String name, Supplier<RedissonClient> client) {
    var leases = new HotKeyLeaseConfig(10, Duration.ofSeconds(1));
    var a = replica(client.get(), leases);
    var b = replica(client.get(), leases);
    var limit = Limit.of(1, 15);

    assertThat(take(a, BucketKey.GLOBAL, limit)).isTrue();
    int admittedByB = 0;
    for (int i = 0; i < 10; i++) {
      admittedByB += take(b, BucketKey.GLOBAL, limit) ? 1 : 0;
    }

    assertThat(admittedByB).as("the 5 tokens a's lease left in the bucket, each taken alone").isEqualTo(5);
    assertThat(shared(client.get(), BucketKey.GLOBAL, limit)).isZero();
    int admittedByA = 1;
    for (int i = 0; i < 20; i++) {
      admittedByA += take(a, BucketKey.GLOBAL, limit) ? 1 : 0;
    }
    assertThat(admittedByA).as("a's lease and nothing more").isEqualTo(10);
  }

  /**
   * The limits change (or the store closes) while a lease operation is in flight: Redis has applied
   * it, its reply has not arrived. The lease goes straight back when it does, and the request that
   * waited for it takes its token exactly: no tokens are kept by a lease nobody can reach.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aLeaseArrivingAfterTheLimitsChangedGoesStraightBack(String name, Supplier<RedissonClient> client) {
    var exact = replica(client.get(), HotKeyLeaseConfig.off());
    var applied = new CompletableFuture<TokenProbe>();
    var reply = new CompletableFuture<Void>();
    List<CompletableFuture<Void>> refunds = new ArrayList<>();
    var leases = new HotKeyLeases(new HotKeyLeaseConfig(10, Duration.ofSeconds(1)), clock::epochNanos,
        new HotKeyLeases.SharedBucket() {
          @Override
          public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
            // Applied in Redis now; its answer held back until the test lets it through.
            return exact.tryConsume(key, limit, tokens)
                .whenComplete((probe, failure) -> applied.complete(probe))
                .thenCompose(probe -> reply.thenApply(v -> probe));
          }

          @Override
          public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
            var refund = exact.refund(key, limit, tokens);
            refunds.add(refund);
            return refund;
          }
        }, registry);
    var limit = Limit.of(1, 100);

    CompletableFuture<TokenProbe> waiting = leases.tryConsume(BucketKey.GLOBAL, limit, 1);
    applied.join();
    assertThat(shared(client.get(), BucketKey.GLOBAL, limit)).as("the lease of 10 taken").isEqualTo(90);
    leases.giveBackAll();
    reply.complete(null);

    assertThat(waiting.join().consumed()).isTrue();
    refunds.forEach(CompletableFuture::join);
    assertThat(shared(client.get(), BucketKey.GLOBAL, limit)).as("the lease's 10 back, 1 token taken").isEqualTo(99);
    assertThat(leases.held(BucketKey.GLOBAL)).isZero();
    assertThat(registry.counter("rate_limit_lease_tokens_given_back", "limit_type", "global").count()).isEqualTo(10);
  }

  /**
   * The bound the configuration reference states: in any window of length T a leased bucket admits at
   * most burst + rate x (T + max age) + replicas x tokens. Demand comes in bursts with quiet spells
   * between, so that leases are left half used, given back, and refilled buckets meet full leases.
   */
  @Test
  void noWindowAdmitsMoreThanTheBucketPlusWhatALeasesAgeRefills() {
    var leases = new HotKeyLeaseConfig(5, Duration.ofMillis(500));
    var replicas = List.of(replica(SharedClients.standalone(), leases), replica(SharedClients.standalone(), leases));
    long burst = 20;
    long rate = 10;
    var limit = Limit.of(rate, burst);
    List<Long> admittedAt = new ArrayList<>();
    long start = clock.epochNanos();

    for (int step = 0; step < 600; step++) {
      boolean busy = (step / 50) % 2 == 0 || step % 7 == 0;
      for (var replica : replicas) {
        for (int i = 0; i < (busy ? 3 : 0); i++) {
          if (take(replica, BucketKey.GLOBAL, limit)) {
            admittedAt.add(clock.epochNanos() - start);
          }
        }
        if (step % 3 == 0) {
          replica.giveBackExpiredLeases();
        }
      }
      clock.advanceMillis(10);
    }

    assertThat(admittedAt.size()).as("leases must not starve the bucket").isGreaterThan(60);
    for (long windowMs : new long[] {0, 10, 100, 500, 1_000, 3_000}) {
      double bound = burst + rate * (windowMs + 500) / 1_000.0 + replicas.size() * 5;
      long most = mostInAWindow(admittedAt, windowMs * 1_000_000);
      assertThat(most).as("admitted in %d ms (bound %.1f)", windowMs, bound).isLessThanOrEqualTo((long) bound);
    }
  }

  /** The most admissions in any closed window {@code [t, t + length]}. */
  private static long mostInAWindow(List<Long> sortedTimes, long length) {
    long most = 0;
    int from = 0;
    for (int to = 0; to < sortedTimes.size(); to++) {
      while (sortedTimes.get(to) - sortedTimes.get(from) > length) {
        from++;
      }
      most = Math.max(most, to - from + 1);
    }
    return most;
  }
}
