package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

class RedisLimiterBackendTest {

  @Test
  void threeReplicasShareOneEndpointBurst() {
    var config = SharedClients.clusterConfig()
        .withKeyPrefix("backend" + System.nanoTime() + ":")
        .withHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
        // Generous, so that a loaded test machine does not switch to degraded mode mid-test.
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    var limits = new LimiterConfig(Limit.of(1, 1_000), Map.of("build.start", Limit.of(1, 100)), Limit.of(1, 1_000),
        AnonymousPolicy.SKIP);
    try (var a = RedisLimiterBackend.start(config, "a", new SimpleMeterRegistry());
        var b = RedisLimiterBackend.start(config, "b", new SimpleMeterRegistry());
        var c = RedisLimiterBackend.start(config, "c", new SimpleMeterRegistry())) {
      var replicas = java.util.List.of(
          MultiLevelLimiter.of(limits, a.store()), MultiLevelLimiter.of(limits, b.store()),
          MultiLevelLimiter.of(limits, c.store()));
      await().atMost(Duration.ofSeconds(5)).until(() -> a.heartbeat().liveReplicas() == 3);

      var decisions = new java.util.ArrayList<java.util.concurrent.CompletableFuture<Boolean>>();
      for (int i = 0; i < 300; i++) {
        decisions.add(replicas.get(i % 3).decide(RateRequest.of("build.start", "tp-" + i)).thenApply(d -> d.allowed()));
      }
      long admitted = decisions.stream().map(java.util.concurrent.CompletableFuture::join).filter(x -> x).count();

      // The endpoint burst of 100 (plus at most a token or two of refill), not 3 × 100
      assertThat(a.degradingStore().isDegraded() || b.degradingStore().isDegraded()
          || c.degradingStore().isDegraded()).as("degraded mode during the test").isFalse();
      assertThat(admitted).isBetween(100L, 105L);
      assertThat(a.clock().isSynced()).isTrue();
      assertThat(a.inspector().list()).isNotEmpty();
    }
  }
}
