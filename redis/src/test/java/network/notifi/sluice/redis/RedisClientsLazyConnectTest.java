package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.StringCodec;

/** A replica starts while Redis is down: the client is created without a server and connects once one answers. */
class RedisClientsLazyConnectTest {

  @Test
  void aClientIsCreatedWhileRedisIsDownAndConnectsWhenItComesBack() {
    RedisServer redis = RedisServers.newStandalone();
    redis.kill();
    var config = RedisConfig.defaults()
        .withServers(RedisConfig.Mode.STANDALONE, List.of(redis.hostAndPort()))
        .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1));
    long before = System.nanoTime();
    var client = RedisClients.create(config);
    try {
      var bucket = client.getBucket("lazy-connect-test", StringCodec.INSTANCE);
      assertThatThrownBy(() -> bucket.set("x")).as("a command while Redis is down fails").isNotNull();

      redis.start();

      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
        bucket.set("up");
        assertThat(bucket.get()).isEqualTo("up");
      });
    } finally {
      client.shutdown();
      redis.kill();
    }
  }
}
