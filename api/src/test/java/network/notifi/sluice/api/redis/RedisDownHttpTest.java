package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import network.notifi.sluice.api.redis.ReplicasOnOwnRedis.Replica;
import network.notifi.sluice.redis.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stops entirely: Sluice keeps answering on local buckets and says it is degraded; Redis back:
 * shared again. A replica also starts while Redis is down.
 */
class RedisDownHttpTest {

  private final ReplicasOnOwnRedis replicas = new ReplicasOnOwnRedis();
  private final RedisServer redis = replicas.redis();

  @AfterEach
  void stopReplicasAndRedis() {
    replicas.close();
  }

  @Test
  void redisDownMeansDegradedButAnsweredAndRedisBackMeansSharedAgain() {
    Replica replica = replicas.start();
    var client = replica.client();
    var admin = replica.admin();
    assertThat(client.send(client.buildStart(replicas.parser())).statusCode()).isEqualTo(202);
    assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP");

    redis.kill();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      var response = client.send(client.buildStart(replicas.parser()));
      // Decisions go on locally, and so does admission, into this replica's share of the slots.
      assertThat(response.statusCode()).isIn(202, 429, 503);
      assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("DEGRADED");
    });
    for (int i = 0; i < 20; i++) {
      var response = client.send(client.buildStart(replicas.parser()));
      assertThat(response.statusCode()).isIn(202, 429, 503);
      if (response.statusCode() == 503) {
        // Regression: every start was refused with jobs_unavailable while Redis was down.
        assertThat(json(response).get("reason").asText()).isEqualTo("jobs_degraded");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
      }
    }
    var ready = json(admin.get("/health/ready"));
    assertThat(ready.at("/dependencies/redis/degraded").asBoolean()).isTrue();
    assertThat(ready.at("/dependencies/redis/failure_mode").asText()).isEqualTo("local");
    assertThat(admin.get("/metrics").body()).contains("rate_limit_degraded 1.0");

    redis.restart();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      client.send(client.buildStart(replicas.parser()));
      assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP");
    });
    assertThat(admin.get("/metrics").body()).contains("rate_limit_degraded 0.0");
    await().atMost(Duration.ofSeconds(30))
        .until(() -> client.send(client.buildStart(replicas.parser())).statusCode() == 202);
  }

  @Test
  void aReplicaStartsDegradedWithoutRedisAndConnectsWhenRedisComesUp() {
    redis.kill();
    Replica replica = replicas.start();
    var client = replica.client();
    var admin = replica.admin();
    assertThat(client.get("/health/live").statusCode()).isEqualTo(200);
    var ready = json(admin.get("/health/ready"));
    assertThat(ready.get("status").asText()).isEqualTo("DEGRADED");
    assertThat(ready.at("/dependencies/redis/degraded").asBoolean()).isTrue();
    // The limiter answers from its (empty) shares, admission from a share of 0: refused, not failed.
    assertThat(client.send(client.buildStart(replicas.parser())).statusCode()).isIn(429, 503);

    redis.start();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(json(client.get("/health/ready")).get("status").asText()).isEqualTo("UP"));
    await().atMost(Duration.ofSeconds(30))
        .until(() -> client.send(client.buildStart(replicas.parser())).statusCode() == 202);
  }
}
