package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

class ReplicaHeartbeatTest {

  @Test
  void replicasCountEachOtherAndAStoppedReplicaDropsOut() {
    var config = SharedClients.clusterConfig()
        .withKeyPrefix("hb" + System.nanoTime() + ":")
        .withHeartbeat(Duration.ofMillis(100), Duration.ofMillis(600));
    var client = SharedClients.cluster();
    try (var a = ReplicaHeartbeat.start(client, config, "a", EpochNanoClock.system());
        var b = ReplicaHeartbeat.start(client, config, "b", EpochNanoClock.system())) {
      var c = ReplicaHeartbeat.start(client, config, "c", EpochNanoClock.system());
      await().atMost(Duration.ofSeconds(5)).until(() -> a.liveReplicas() == 3);

      // A replica that stops is no longer counted
      c.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> a.liveReplicas() == 2 && b.liveReplicas() == 2);
    }
  }
}
