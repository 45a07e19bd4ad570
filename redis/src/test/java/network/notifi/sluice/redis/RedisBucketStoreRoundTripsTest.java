package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.LevelResult;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.redisson.api.RedissonClient;

/**
 * The round trips of a bucket operation and what a replica's memory of a bucket may decide, on a
 * standalone server and on a cluster. Each store stands for one replica; stores on one client share
 * the connections but not their memory, exactly as two processes would.
 */
class RedisBucketStoreRoundTripsTest {

  private final ManualClock clock = new ManualClock();

  static Stream<Arguments> servers() {
    return Stream.of(
        Arguments.of("standalone", (Supplier<RedissonClient>) SharedClients::standalone),
        Arguments.of("cluster", (Supplier<RedissonClient>) SharedClients::cluster));
  }

  /** One replica's store with counters of its own, on a prefix no other test uses. */
  private Replica replica(Supplier<RedissonClient> client, String prefix) {
    var registry = new SimpleMeterRegistry();
    var store = SharedClients.storeBuilder(client.get())
        .keyPrefix(prefix)
        .clock(clock)
        .meterRegistry(registry)
        .build();
    return new Replica(store, registry);
  }

  private record Replica(RedisBucketStore store, SimpleMeterRegistry registry) {
    double commands(String command) {
      return registry.counter("rate_limit_redis_commands", "limit_type", "third_party", "command", command).count();
    }

    double conflicts() {
      return registry.counter("rate_limit_redis_cas_conflicts", "limit_type", "third_party").count();
    }

    boolean take(BucketKey key, Limit limit) {
      return store.tryConsume(key, limit, 1).join().consumed();
    }
  }

  private static String freshPrefix() {
    return "rt" + System.nanoTime() + ":";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void versionedLimitsKeepOneRoundTripAndAChangeCostsOneSwapPerBucket(
      String name, Supplier<RedissonClient> client) {
    var replica = replica(client, freshPrefix());
    var key = BucketKey.thirdParty("customer-1");
    var limit = Limit.of(1, 10);
    replica.store().limitsChanged(1, Set.of(limit));
    replica.take(key, limit);

    double gets = replica.commands("get");
    double swaps = replica.commands("cas");
    for (int i = 0; i < 5; i++) {
      assertThat(replica.take(key, limit)).isTrue();
    }
    double getsBeforeChange = replica.commands("get");
    double swapsBeforeChange = replica.commands("cas");
    var wider = Limit.of(1, 20);
    replica.store().limitsChanged(2, Set.of(wider));
    assertThat(replica.take(key, wider)).isTrue();

    assertThat(getsBeforeChange - gets).as("GETs with versioned limits").isZero();
    assertThat(swapsBeforeChange - swaps).as("compare-and-swap scripts with versioned limits").isEqualTo(5);
    assertThat(replica.commands("get") - getsBeforeChange).as("GETs of the operation that replaces the limit").isZero();
    assertThat(replica.commands("cas") - swapsBeforeChange).as("swaps of the operation that replaces the limit").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aTokenTakenFromAKnownBucketCostsOneRoundTrip(String name, Supplier<RedissonClient> client) {
    var replica = replica(client, freshPrefix());
    var key = BucketKey.thirdParty("customer-1");
    var limit = Limit.of(1, 10);
    replica.take(key, limit); // first sight: a GET finds no key, then the bucket is created

    double gets = replica.commands("get");
    double swaps = replica.commands("cas");
    for (int i = 0; i < 5; i++) {
      assertThat(replica.take(key, limit)).isTrue();
    }

    assertThat(replica.commands("get") - gets).as("GETs").isZero();
    assertThat(replica.commands("cas") - swaps).as("compare-and-swap scripts").isEqualTo(5);
    assertThat(available(replica, key, limit)).isEqualTo(4);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void theStoreExpectsTokensOnlyFromAStateRedisConfirmedToIt(String name, Supplier<RedissonClient> client) {
    var replica = replica(client, freshPrefix());
    var key = BucketKey.thirdParty("customer-5");
    var limit = Limit.of(1, 3);
    assertThat(replica.store().expectedTokens(key, limit)).as("a bucket it has never seen").isEmpty();

    replica.take(key, limit);
    assertThat(replica.store().expectedTokens(key, limit)).hasValue(2);
    replica.take(key, limit);
    replica.take(key, limit);
    assertThat(replica.store().expectedTokens(key, limit)).as("empty").hasValue(0);

    clock.advance(Duration.ofMillis(999));
    assertThat(replica.store().expectedTokens(key, limit)).as("0.999 tokens refilled").hasValue(0);
    clock.advance(Duration.ofMillis(1001));
    assertThat(replica.store().expectedTokens(key, limit)).as("refilled to now").hasValue(2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aRequestRefusedByAnEndpointKnownToBeEmptyCostsTheOtherLevelsNothing(
      String name, Supplier<RedissonClient> client) {
    var replica = replica(client, freshPrefix());
    Limit global = Limit.of(1, 100);
    Limit endpoint = Limit.of(1, 3);
    var config = new LimiterConfig(global, Map.of("build.start", endpoint), Limit.of(1, 100), AnonymousPolicy.SKIP);
    var limiter = MultiLevelLimiter.of(config, replica.store(), replica.registry());
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.decide(RateRequest.of("build.start", "tp")).join().allowed()).isTrue();
    }
    double globalCommands = sharedCommands(replica, "global");
    double endpointCommands = sharedCommands(replica, "endpoint");

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.refusal()).map(LevelResult::level).contains(Level.ENDPOINT);
    assertThat(sharedCommands(replica, "global")).as("no token taken and given back").isEqualTo(globalCommands);
    assertThat(sharedCommands(replica, "endpoint")).as("refused from memory").isEqualTo(endpointCommands);
    assertThat(available(replica, BucketKey.GLOBAL, global)).isEqualTo(97);
    assertThat(available(replica, BucketKey.thirdParty("tp"), Limit.of(1, 100))).isEqualTo(97);
  }

  private static double sharedCommands(Replica replica, String level) {
    return replica.registry().get("rate_limit_redis_commands").tag("limit_type", level).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aSwapLostToAnotherReplicaIsRetriedFromTheStateItAnswered(
      String name, Supplier<RedissonClient> client) {
    String prefix = freshPrefix();
    var a = replica(client, prefix);
    var b = replica(client, prefix);
    var key = BucketKey.thirdParty("customer-2");
    var limit = Limit.of(1, 10);
    a.take(key, limit);
    b.take(key, limit); // a's memory of the bucket is now stale

    double gets = a.commands("get");
    double swaps = a.commands("cas");
    assertThat(a.take(key, limit)).isTrue();

    assertThat(a.conflicts()).isEqualTo(1);
    assertThat(a.commands("cas") - swaps).as("the lost swap and its retry").isEqualTo(2);
    assertThat(a.commands("get") - gets).as("no GET after the lost swap").isZero();
    assertThat(available(a, key, limit)).isEqualTo(7);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void aRefusalFromMemoryMissesTokensGivenBackElsewhereForAtMostTheRefusalMaxAge(
      String name, Supplier<RedissonClient> client) {
    String prefix = freshPrefix();
    var a = replica(client, prefix);
    var b = replica(client, prefix);
    var key = BucketKey.thirdParty("customer-3");
    var limit = Limit.of(1, 1); // one token, refilled once a second
    assertThat(a.take(key, limit)).isTrue();
    b.store().refund(key, limit, 1).join(); // another replica gives a token back

    double commands = a.commands("get") + a.commands("cas");
    assertThat(a.take(key, limit)).as("refused from a's memory, which is 0 ms old").isFalse();
    assertThat(a.commands("get") + a.commands("cas")).as("no command for that refusal").isEqualTo(commands);

    clock.advance(Duration.ofMillis(101)); // older than the default refusal max age of 100 ms
    assertThat(a.take(key, limit)).as("a reads the bucket again and finds the token").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("servers")
  void replicasWithStaleMemoriesNeverTakeMoreThanTheBucketHolds(
      String name, Supplier<RedissonClient> client) {
    String prefix = freshPrefix();
    List<Replica> replicas = List.of(replica(client, prefix), replica(client, prefix), replica(client, prefix));
    var key = BucketKey.thirdParty("customer-4");
    var limit = Limit.of(1, 50);

    List<CompletableFuture<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      calls.add(replicas.get(i % 3).store().tryConsume(key, limit, 1).thenApply(p -> p.consumed()));
    }
    long admitted = calls.stream().map(CompletableFuture::join).filter(c -> c).count();

    assertThat(admitted).isEqualTo(50);
    assertThat(available(replicas.get(0), key, limit)).isZero();
  }

  private static long available(Replica replica, BucketKey key, Limit limit) {
    return replica.store().snapshot(key, limit).join().map(BucketSnapshot::availableTokens).orElse(limit.burst());
  }
}
