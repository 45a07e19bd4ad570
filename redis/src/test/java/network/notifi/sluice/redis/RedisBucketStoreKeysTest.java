package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.Resp;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

/** Keys, expiry, contention and the no-leak rule against real Redis servers. */
class RedisBucketStoreKeysTest {

  /** A prefix of its own per test, so that the global and endpoint buckets are fresh. */
  private static String freshPrefix() {
    return "t" + System.nanoTime() + ":";
  }

  @Test
  void keysAreReadableWithScanOnTheCluster() {
    String prefix = freshPrefix();
    var store = SharedClients.storeBuilder(SharedClients.cluster()).keyPrefix(prefix).build();
    var limit = Limit.of(10, 20);
    List<BucketKey> buckets = List.of(BucketKey.GLOBAL, BucketKey.endpoint("build.start"),
        BucketKey.thirdParty("customer-123"), BucketKey.thirdParty("evil}{global} *"), BucketKey.ANONYMOUS);
    buckets.forEach(b -> store.tryConsume(b, limit, 1).join());

    List<String> found = new ArrayList<>();
    for (RedisServer master : RedisServers.cluster().masters()) {
      found.addAll(scan(master.port(), prefix + "rl:*"));
    }

    assertThat(found).containsExactlyInAnyOrder(
        prefix + "rl:{global}",
        prefix + "rl:{ep:build.start}",
        prefix + "rl:{tp:customer-123}",
        prefix + "rl:{tp:evil%7D%7Bglobal%7D%20%2A}",
        prefix + "rl:{anon}");
  }

  @Test
  void anIdCannotChooseTheSlotOfAnotherBucket() {
    var store = SharedClients.storeBuilder(SharedClients.cluster()).build();
    int port = RedisServers.cluster().masters().get(0).port();
    String evil = store.redisKey(BucketKey.thirdParty("}{global"));

    long evilSlot = (Long) Resp.call(port, "CLUSTER", "KEYSLOT", evil);
    long ownTagSlot = (Long) Resp.call(port, "CLUSTER", "KEYSLOT", "{tp:%7D%7Bglobal}");
    long globalSlot = (Long) Resp.call(port, "CLUSTER", "KEYSLOT", store.redisKey(BucketKey.GLOBAL));

    assertThat(evilSlot).isEqualTo(ownTagSlot).isNotEqualTo(globalSlot);
  }

  @Test
  void idsThatLookAlikeAreSeparateBuckets() {
    var store = SharedClients.storeBuilder(SharedClients.standalone()).keyPrefix(freshPrefix()).build();
    var limit = Limit.of(1, 1);
    List<String> ids = List.of("a b", "a%20b", "a{b}", "a%7Bb%7D", "ü", "%C3%BC", "anon", "global");

    for (String id : ids) {
      assertThat(store.tryConsume(BucketKey.thirdParty(id), limit, 1).join().consumed()).as(id).isTrue();
    }
    assertThat(store.tryConsume(BucketKey.ANONYMOUS, limit, 1).join().consumed()).isTrue();
    assertThat(store.tryConsume(BucketKey.GLOBAL, limit, 1).join().consumed()).isTrue();
  }

  @Test
  void keysExpireOnceTheBucketWouldBeFullAgain() {
    String prefix = freshPrefix();
    var server = RedisServers.standalone();
    var store = SharedClients.storeBuilder(SharedClients.standalone()).keyPrefix(prefix).build();
    var key = BucketKey.thirdParty("idle");
    store.tryConsume(key, Limit.of(10, 20), 20).join();

    long pttl = (Long) Resp.call(server.port(), "PTTL", store.redisKey(key));

    // 2 s to refill 20 tokens at 10/s, plus the 10 s grace
    assertThat(pttl).isBetween(11_000L, 12_000L);
  }

  @Test
  void idleKeysDisappear() {
    var server = RedisServers.standalone();
    var store = SharedClients.storeBuilder(SharedClients.standalone())
        .keyPrefix(freshPrefix())
        .keepIdleFull(Duration.ofMillis(100))
        .build();
    var key = BucketKey.thirdParty("short-lived");
    // Full again 1 s after the take, then kept 100 ms: long enough to see the key on a loaded box.
    store.tryConsume(key, Limit.of(1, 1), 1).join();
    assertThat((Long) Resp.call(server.port(), "EXISTS", store.redisKey(key))).isEqualTo(1L);

    await().atMost(Duration.ofSeconds(10))
        .until(() -> (Long) Resp.call(server.port(), "EXISTS", store.redisKey(key)) == 0L);
  }

  @Test
  void casAttemptsAreBoundedUnderContention() {
    var store = SharedClients.storeBuilder(SharedClients.standalone())
        .keyPrefix(freshPrefix())
        .hotKeys(RedisBucketStore.HotKeyOptimization.NONE)
        .maxCasAttempts(1)
        .build();
    var limit = Limit.of(1, 1_000);
    List<CompletableFuture<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      calls.add(store.tryConsume(BucketKey.GLOBAL, limit, 1).thenApply(p -> true).exceptionally(e -> false));
    }

    long failed = calls.stream().map(CompletableFuture::join).filter(ok -> !ok).count();

    assertThat(failed).as("operations that gave up after one lost CAS").isPositive();
    // One attempt per operation (Bucket4j starts a second operation when it first creates the bucket).
    assertThat(store.casAttempts()).isLessThanOrEqualTo(2 * 64);
  }

  @Test
  void batchingKeepsAHotKeyExactUnderConcurrency() {
    var clock = new ManualClock();
    var store = SharedClients.storeBuilder(SharedClients.cluster()).keyPrefix(freshPrefix()).clock(clock).build();
    var limit = Limit.of(1, 100);
    List<CompletableFuture<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      calls.add(store.tryConsume(BucketKey.GLOBAL, limit, 1).thenApply(p -> p.consumed()));
    }

    long admitted = calls.stream().map(CompletableFuture::join).filter(b -> b).count();

    assertThat(admitted).isEqualTo(100);
    assertThat(store.casAttempts()).isLessThan(300);
  }

  @Test
  void refusedAtGlobalGivesThirdPartyAndEndpointTokensBack() {
    var clock = new ManualClock();
    String prefix = freshPrefix();
    var store = SharedClients.storeBuilder(SharedClients.cluster()).keyPrefix(prefix).clock(clock).build();
    var config = new LimiterConfig(
        Limit.of(1, 1), Map.of("build.start", Limit.of(1, 5)), Limit.of(1, 3), AnonymousPolicy.SKIP);
    assertThat(MultiLevelLimiter.of(config, store).decide(RateRequest.of("build.start", "other")).join().allowed())
        .isTrue();
    // Another replica, which has not seen the global bucket emptied, so it does not expect the refusal:
    // it takes the third party's and the endpoint's tokens before global refuses.
    var otherReplica = SharedClients.storeBuilder(SharedClients.cluster()).keyPrefix(prefix).clock(clock).build();

    var decision = MultiLevelLimiter.of(config, otherReplica).decide(RateRequest.of("build.start", "customer-1")).join();

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.refusal()).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.GLOBAL));
    assertThat(store.snapshot(BucketKey.thirdParty("customer-1"), config.thirdParty()).join())
        .hasValueSatisfying(s -> assertThat(s.availableTokens()).isEqualTo(3));
    assertThat(store.snapshot(BucketKey.endpoint("build.start"), Limit.of(1, 5)).join())
        .hasValueSatisfying(s -> assertThat(s.availableTokens()).isEqualTo(4));
  }

  @Test
  void snapshotOfAnUnknownBucketIsEmptyAndCreatesNothing() {
    var server = RedisServers.standalone();
    var store = SharedClients.storeBuilder(SharedClients.standalone())
        .keyPrefix(freshPrefix())
        .clock(EpochNanoClock.system())
        .build();
    var key = BucketKey.thirdParty("never-seen");

    assertThat(store.snapshot(key, Limit.of(1, 1)).join()).isEmpty();
    assertThat((Long) Resp.call(server.port(), "EXISTS", store.redisKey(key))).isZero();
  }

  @SuppressWarnings("unchecked")
  static List<String> scan(int port, String pattern) {
    List<String> keys = new ArrayList<>();
    String cursor = "0";
    do {
      var reply = (List<Object>) Resp.call(port, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
      cursor = (String) reply.get(0);
      ((List<Object>) reply.get(1)).forEach(k -> keys.add((String) k));
    } while (!cursor.equals("0"));
    return keys;
  }
}
