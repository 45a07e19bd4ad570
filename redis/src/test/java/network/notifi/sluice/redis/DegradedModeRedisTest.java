package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.ManualClock;
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
  private final ManualClock bucketTime = new ManualClock();

  @BeforeEach
  void start() {
    server = RedisServers.newStandalone();
    var config = RedisConfig.defaults()
        .withServers(RedisConfig.Mode.STANDALONE, List.of(server.hostAndPort()))
        .withHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));
    client = RedisClients.create(config);
    self = ReplicaHeartbeat.start(client, config, "replica-a", EpochNanoClock.system());
    other = ReplicaHeartbeat.start(client, config, "replica-b", EpochNanoClock.system());
    await().atMost(Duration.ofSeconds(5)).until(() -> self.liveReplicas() == 2);
    // The shared buckets' time stands still, so the shared counts below are exact however long a
    // loaded machine takes over them; heartbeats and degraded mode keep real time (it times its
    // return to Redis by it).
    var shared = RedisBucketStore.create(client, config, bucketTime);
    store = DegradingBucketStore.create(
        shared, config, self::liveReplicas, EpochNanoClock.system(), new SimpleMeterRegistry());
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
    var config = new LimiterConfig(
        Limit.of(1_000, 1_000), Map.of("build.start", Limit.of(1_000, 1_000)), Limit.of(1, 10), AnonymousPolicy.SKIP);
    var limiter = MultiLevelLimiter.of(config, store);
    assertThat(admitted(limiter, "before", 12)).as("shared limit").isEqualTo(10);
    assertThat(admitted(limiter, "known", 2)).isEqualTo(2); // this replica last saw 8 left

    // When Redis stops
    server.kill();
    List<Long> latencies = new ArrayList<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      long t0 = System.nanoTime();
      limiter.decide(RateRequest.of("build.start", "warmup")).join();
      latencies.add(System.nanoTime() - t0);
      return store.isDegraded();
    });

    // Then decisions are local, from this replica's share of what it last saw: half of 8 (5 if two
    // seconds of real time refilled it meanwhile), and a third party it knows nothing of starts
    // empty, refilling at half a token a second
    assertThat(self.liveReplicas()).as("last known count").isEqualTo(2);
    assertThat(admitted(limiter, "known", 12)).isBetween(4, 5);
    assertThat(admitted(limiter, "during", 12)).isLessThanOrEqualTo(1);

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
