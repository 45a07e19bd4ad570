package network.notifi.sluice.redis.testing;

import java.time.Duration;
import java.util.List;
import network.notifi.sluice.redis.RedisBucketStore;
import network.notifi.sluice.redis.RedisBucketStoreBuilder;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import org.redisson.api.RedissonClient;

/**
 * Redisson clients for the shared test servers, created once per JVM and shut down at exit. Tests
 * that stop servers must use clients of their own.
 */
public final class SharedClients {

  /** Timeouts of the shared test clients and stores. */
  public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

  public static final Duration DECISION_TIMEOUT = Duration.ofSeconds(5);

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

  /** Defaults with test timeouts, pointed at the shared standalone server. */
  public static RedisConfig standaloneConfig() {
    return RedisConfig.defaults()
        .withServers(RedisConfig.Mode.STANDALONE, List.of(RedisServers.standalone().hostAndPort()))
        .withTimeouts(COMMAND_TIMEOUT, DECISION_TIMEOUT);
  }

  /** Defaults with test timeouts, pointed at the shared cluster. */
  public static RedisConfig clusterConfig() {
    return RedisConfig.defaults()
        .withServers(RedisConfig.Mode.CLUSTER, RedisServers.cluster().addresses())
        .withTimeouts(COMMAND_TIMEOUT, DECISION_TIMEOUT);
  }

  /**
   * A store builder with the test decision timeout. Tests share busy 2-core machines with other
   * builds, so the production timeouts (250 ms per command, 500 ms per decision) would make tests
   * that do not test timeouts flaky.
   */
  public static RedisBucketStoreBuilder storeBuilder(RedissonClient client) {
    return RedisBucketStore.builder(client).decisionTimeout(DECISION_TIMEOUT);
  }

  private static void shutdownAtExit(RedissonClient client) {
    Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown, "redisson-test-client-stop"));
  }
}
