package network.notifi.sluice.redis.testing;

import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import org.redisson.api.RedissonClient;

/**
 * Redisson clients for the shared test servers, created once per JVM and shut down at exit. Tests
 * that stop servers must use clients of their own.
 */
public final class SharedClients {

  private static RedissonClient standalone;
  private static RedissonClient cluster;

  private SharedClients() {}

  public static synchronized RedissonClient standalone() {
    if (standalone == null) {
      standalone = RedisClients.create(standaloneConfig());
      shutdownAtExit(standalone);
    }
    return standalone;
  }

  public static synchronized RedissonClient cluster() {
    if (cluster == null) {
      cluster = RedisClients.create(clusterConfig());
      shutdownAtExit(cluster);
    }
    return cluster;
  }

  /** Defaults, pointed at the shared standalone server. */
  public static RedisConfig standaloneConfig() {
    return RedisConfig.defaults()
        .withServers(RedisConfig.Mode.STANDALONE, java.util.List.of(RedisServers.standalone().hostAndPort()));
  }

  /** Defaults, pointed at the shared cluster. */
  public static RedisConfig clusterConfig() {
    return RedisConfig.defaults().withServers(RedisConfig.Mode.CLUSTER, RedisServers.cluster().addresses());
  }

  private static void shutdownAtExit(RedissonClient client) {
    Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown, "redisson-test-client-stop"));
  }
}
