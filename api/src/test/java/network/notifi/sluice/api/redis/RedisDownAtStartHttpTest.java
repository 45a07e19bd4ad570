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

/** A replica starts while Redis is down: it serves, degraded, and shares state once Redis answers. */
class RedisDownAtStartHttpTest {

  private final RedisServer redis = RedisServers.newStandalone();
  private final AtomicInteger parsers = new AtomicInteger();

  @AfterEach
  void stopRedis() {
    redis.kill();
  }

  @Test
  void aReplicaStartsDegradedWithoutRedisAndConnectsWhenRedisComesUp() {
    redis.kill();
    var env = Map.of(
        "SLUICE_REDIS_MODE", "standalone",
        "SLUICE_REDIS_ADDRESSES", redis.hostAndPort());
    try (var app = Wiring.build(TestConfigs.config(env), Map.of()).start()) {
      var client = new HttpTestClient(app.port());
      assertThat(client.get("/health/live").statusCode()).isEqualTo(200);
      var ready = json(client.get("/health/ready"));
      assertThat(ready.get("status").asText()).isEqualTo("DEGRADED");
      assertThat(ready.at("/dependencies/redis/degraded").asBoolean()).isTrue();
      // The limiter answers from its (empty) shares; admission refuses rather than fail.
      assertThat(client.send(client.buildStart(parser())).statusCode()).isIn(429, 503);

      redis.start();

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP"));
      await().atMost(Duration.ofSeconds(30))
          .until(() -> client.send(client.buildStart(parser())).statusCode() == 202);
    }
  }

  private String parser() {
    return "parser-" + parsers.incrementAndGet();
  }
}
