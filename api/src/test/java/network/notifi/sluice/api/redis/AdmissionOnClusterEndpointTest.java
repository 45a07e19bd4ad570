package network.notifi.sluice.api.redis;

import java.util.Map;
import network.notifi.sluice.api.http.AdmissionEndpointTest;
import network.notifi.sluice.redis.testing.RedisServers;

/** The seed's scenarios 3 and 4 over HTTP with slots, queue, backoff and records on a real Redis Cluster. */
class AdmissionOnClusterEndpointTest extends AdmissionEndpointTest {

  @Override
  protected Map<String, String> backend() {
    return Map.of(
        "SLUICE_REDIS_MODE", "cluster",
        "SLUICE_REDIS_ADDRESSES", String.join(",", RedisServers.cluster().addresses()),
        "SLUICE_REDIS_KEY_PREFIX", "a" + System.nanoTime() + ":",
        "SLUICE_REDIS_COMMAND_TIMEOUT", "3s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "5s");
  }
}
