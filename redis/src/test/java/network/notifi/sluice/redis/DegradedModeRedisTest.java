package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
  /** The time of the buckets, the shares and the breaker: it moves only when this test moves it. */
  private final ManualClock time = new ManualClock();

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
    // Buckets, shares and the breaker's wait run on one clock that stands still unless moved, so the
    // counts below are exact however long a loaded machine takes over them. Heartbeats keep real time.
    var shared = RedisBucketStore.create(client, config, time);
    store = DegradingBucketStore.create(shared, config, self::liveReplicas, time, new SimpleMeterRegistry());
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
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      limiter.decide(RateRequest.of("build.start", "warmup")).join();
      return store.isDegraded();
    });

    // Then decisions are local, from this replica's share of what it last saw: half of 8; a third
    // party it knows nothing of starts empty, refilling at half a token a second
    assertThat(self.liveReplicas()).as("last known count").isEqualTo(2);
    assertThat(admitted(limiter, "known", 12)).as("half of the 8 last seen").isEqualTo(4);
    assertThat(admitted(limiter, "during", 12)).as("an empty share, no time passed").isZero();
    time.advance(Duration.ofSeconds(2));
    assertThat(admitted(limiter, "during", 12)).as("two seconds at half a token a second").isEqualTo(1);

    // When Redis is back, decisions go back to the shared buckets by themselves: the breaker probes
    // after each wait of 1 s (a probe may fail while the client reconnects, and the wait starts over)
    server.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      time.advance(Duration.ofSeconds(1));
      return !store.isDegraded();
    });
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
