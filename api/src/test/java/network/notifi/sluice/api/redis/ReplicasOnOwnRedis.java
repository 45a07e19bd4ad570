package network.notifi.sluice.api.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;

/**
 * Replicas on a standalone Redis of the test's own, which the test may kill, freeze or restart under
 * them: the setup of the tests of Redis going away. {@link #close} stops every replica started here,
 * then Redis, also when the test failed.
 */
final class ReplicasOnOwnRedis implements AutoCloseable {

  private final RedisServer redis = RedisServers.newStandalone();
  private final AtomicInteger parsers = new AtomicInteger();
  private final List<SluiceApp> apps = new ArrayList<>();

  /** The replicas' Redis, running at first. */
  RedisServer redis() {
    return redis;
  }

  /** A started replica on this Redis, configured by {@code env} beyond the Redis address. */
  Replica start(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("SLUICE_REDIS_MODE", "standalone");
    all.put("SLUICE_REDIS_ADDRESSES", redis.hostAndPort());
    SluiceApp app = Wiring.build(TestConfigs.config(all), Map.of()).start();
    apps.add(app);
    return new Replica(new HttpTestClient(app.port()), new HttpTestClient(app.adminPort()));
  }

  /** A started replica on this Redis, with the defaults otherwise. */
  Replica start() {
    return start(Map.of());
  }

  /** A parser id no start in this test has used yet. */
  String parser() {
    return "parser-" + parsers.incrementAndGet();
  }

  /** The replicas, the last started first, then Redis. */
  @Override
  public void close() {
    try {
      for (int i = apps.size() - 1; i >= 0; i--) {
        apps.get(i).close();
      }
    } finally {
      redis.kill();
    }
  }

  /**
   * One replica's clients: {@code client} on its public port, {@code admin} on its admin port (readiness
   * details, {@code /metrics}, {@code /ratelimits}).
   */
  record Replica(HttpTestClient client, HttpTestClient admin) {}
}
