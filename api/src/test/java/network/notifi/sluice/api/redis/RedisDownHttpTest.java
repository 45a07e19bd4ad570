package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redis stops entirely: Sluice keeps answering on local buckets and says it is degraded; Redis back: shared again. */
class RedisDownHttpTest {

  private final RedisServer redis = RedisServers.newStandalone();
  private final AtomicInteger parsers = new AtomicInteger();

  @AfterEach
  void stopRedis() {
    redis.kill();
  }

  @Test
  void redisDownMeansDegradedButAnsweredAndRedisBackMeansSharedAgain() {
    var env = Map.of(
        "SLUICE_REDIS_MODE", "standalone",
        "SLUICE_REDIS_ADDRESSES", redis.hostAndPort());
    try (var app = Wiring.build(TestConfigs.config(env), Map.of()).start()) {
      var client = new HttpTestClient(app.port());
      var admin = new HttpTestClient(app.adminPort());
      assertThat(client.send(client.buildStart(parser())).statusCode()).isEqualTo(202);
      assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP");

      redis.kill();

      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        var response = client.send(client.buildStart(parser()));
        // Decisions go on locally; admission needs its shared stores and says so with a 503.
        assertThat(response.statusCode()).isIn(429, 503);
        assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("DEGRADED");
      });
      for (int i = 0; i < 20; i++) {
        var response = client.send(client.buildStart(parser()));
        assertThat(response.statusCode()).isIn(429, 503);
        if (response.statusCode() == 503) {
          assertThat(json(response).get("reason").asText()).isEqualTo("jobs_unavailable");
          assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        }
      }
      var ready = json(admin.get("/health/ready"));
      assertThat(ready.at("/dependencies/redis/degraded").asBoolean()).isTrue();
      assertThat(ready.at("/dependencies/redis/failure_mode").asText()).isEqualTo("local");
      assertThat(admin.get("/metrics").body()).contains("rate_limit_degraded 1.0");

      redis.restart();

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        client.send(client.buildStart(parser()));
        assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP");
      });
      assertThat(admin.get("/metrics").body()).contains("rate_limit_degraded 0.0");
      await().atMost(Duration.ofSeconds(30))
          .until(() -> client.send(client.buildStart(parser())).statusCode() == 202);
    }
  }

  private String parser() {
    return "parser-" + parsers.incrementAndGet();
  }
}
