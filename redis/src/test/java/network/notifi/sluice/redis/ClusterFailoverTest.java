package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

/** Kills the master of the global bucket in the shared cluster, then restores the cluster. */
class ClusterFailoverTest {

  @Test
  void everyDecisionIsAnsweredThroughAFailoverAndSharedLimitsHoldAfterPromotion() {
    var cluster = RedisServers.cluster();
    var config = SharedClients.clusterConfig().withKeyPrefix("failover" + System.nanoTime() + ":");
    var client = RedisClients.create(config);
    var shared = RedisBucketStore.create(client, config, EpochNanoClock.system());
    var store =
        DegradingBucketStore.create(shared, config, () -> 1, EpochNanoClock.system(), new SimpleMeterRegistry());
    var limits = new LimiterConfig(Limit.of(100_000, 100_000), Map.of("build.start", Limit.of(100_000, 100_000)),
        Limit.of(1, 5), AnonymousPolicy.SKIP);
    var limiter = MultiLevelLimiter.of(limits, store);
    RedisServer victim = cluster.masterFor(shared.redisKey(BucketKey.GLOBAL));
    var answered = new AtomicInteger();
    try {
      // When the global bucket's master dies
      victim.kill();

      // Then every decision is still answered while its replica is promoted
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (int i = 0; i < 10; i++) {
          limiter.decide(RateRequest.of("build.start", "tp-" + i)).join();
          answered.incrementAndGet();
        }
        return cluster.masters().size() == 3 && !cluster.masters().contains(victim);
      });
      assertThat(answered.get()).isPositive();

      // And once promoted, decisions are shared again and the limits hold
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        limiter.decide(RateRequest.of("build.start", "probe")).join();
        return !store.isDegraded();
      });
      String fresh = "after-" + System.nanoTime();
      int admitted = 0;
      for (int i = 0; i < 8; i++) {
        admitted += limiter.decide(RateRequest.of("build.start", fresh)).join().allowed() ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(5);
      assertThat(store.snapshot(BucketKey.thirdParty(fresh), Limit.of(1, 5)).join()).isPresent();
    } finally {
      victim.start();
      cluster.awaitHealthy();
      store.close();
      client.shutdown();
    }
  }
}
