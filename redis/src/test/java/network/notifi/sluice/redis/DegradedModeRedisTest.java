package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Clock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** Degraded mode against a real Redis server that this test stops and starts. */
class DegradedModeRedisTest {

  private RedisServer server;
  private RedissonClient client;
  private ReplicaHeartbeat self;
  private ReplicaHeartbeat other;
  private DegradingBucketStore store;

  @BeforeEach
  void start() {
    server = RedisServers.newStandalone();
    var config = RedisConfig.defaults()
        .withServers(RedisConfig.Mode.STANDALONE, List.of(server.hostAndPort()))
        .withHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));
    client = RedisClients.create(config);
    self = ReplicaHeartbeat.start(client, config, "replica-a", Clock.system());
    other = ReplicaHeartbeat.start(client, config, "replica-b", Clock.system());
    await().atMost(Duration.ofSeconds(5)).until(() -> self.liveReplicas() == 2);
    var shared = RedisBucketStore.create(client, config, Clock.system());
    store = DegradingBucketStore.create(shared, config, self::liveReplicas, Clock.system(), new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() {
    self.close();
    other.close();
    store.close();
    client.shutdown();
    server.kill();
  }

  @Test
  void redisStoppedThenStartedAgain() {
    // Slow refill, so that the few seconds this test takes add no token worth counting.
    var config = new LimiterConfig(
        Limit.of(1_000, 1_000), Map.of("build.start", Limit.of(1_000, 1_000)), Limit.of(1, 10), AnonymousPolicy.SKIP);
    var limiter = MultiLevelLimiter.of(config, store);
    assertThat(admitted(limiter, "before", 12)).as("shared limit").isEqualTo(10);

    // When Redis stops
    server.kill();
    List<Long> latencies = new ArrayList<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      long t0 = System.nanoTime();
      limiter.decide(RateRequest.of("build.start", "warmup")).join();
      latencies.add(System.nanoTime() - t0);
      return store.isDegraded();
    });

    // Then decisions are local, fast, at the limit ÷ 2 live replicas
    long start = System.nanoTime();
    int local = admitted(limiter, "during", 12);
    long perDecision = (System.nanoTime() - start) / 12;
    assertThat(local).isEqualTo(5);
    assertThat(perDecision).as("nanos per decision while open").isLessThan(Duration.ofMillis(5).toNanos());
    assertThat(self.liveReplicas()).as("last known count").isEqualTo(2);

    // When Redis is back, decisions go back to the shared buckets by themselves
    server.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> !store.isDegraded());
    assertThat(admitted(limiter, "after", 12)).as("shared limit again").isEqualTo(10);
  }

  private static int admitted(MultiLevelLimiter limiter, String thirdParty, int requests) {
    int admitted = 0;
    for (int i = 0; i < requests; i++) {
      if (limiter.decide(RateRequest.of("build.start", thirdParty)).join().allowed()) {
        admitted++;
      }
    }
    return admitted;
  }
}
