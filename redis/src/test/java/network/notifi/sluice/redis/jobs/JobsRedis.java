package network.notifi.sluice.redis.jobs;

import java.time.Clock;
import java.time.Duration;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.testing.SharedClients;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

/**
 * Clients for the jobs tests on the shared test servers, with timeouts that tolerate a loaded
 * machine, and a key prefix of the test's own. Never the developer's Redis on 6379.
 */
final class JobsRedis {

  private static RedissonClient standalone;
  private static RedissonClient cluster;
  private static RedissonClient standaloneReplica;
  private static RedissonClient clusterReplica;

  private JobsRedis() {}

  static synchronized RedissonClient standalone() {
    if (standalone == null) {
      standalone = client(SharedClients.standaloneConfig());
    }
    return standalone;
  }

  static synchronized RedissonClient cluster() {
    if (cluster == null) {
      cluster = client(SharedClients.clusterConfig());
    }
    return cluster;
  }

  /** A second client of the standalone server: what another replica would use. */
  static synchronized RedissonClient standaloneReplica() {
    if (standaloneReplica == null) {
      standaloneReplica = client(SharedClients.standaloneConfig());
    }
    return standaloneReplica;
  }

  /** A second client of the cluster: what another replica would use. */
  static synchronized RedissonClient clusterReplica() {
    if (clusterReplica == null) {
      clusterReplica = client(SharedClients.clusterConfig());
    }
    return clusterReplica;
  }

  static RedisConfig config(Class<?> testClass) {
    return RedisConfig.defaults().withKeyPrefix("test-" + testClass.getSimpleName() + "-" + System.nanoTime() + ":");
  }

  static JobStores stores(RedissonClient client, Class<?> testClass, Clock clock) {
    return RedisJobStores.create(client, config(testClass), clock);
  }

  private static RedissonClient client(RedisConfig config) {
    RedissonClient client = patient(config);
    Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown, "jobs-test-client-stop"));
    return client;
  }

  /**
   * A client like production's, but patient: on a machine this loaded a burst of 50 admissions can
   * wait longer for a connection than production's one quick retry allows.
   */
  static RedissonClient patient(RedisConfig config) {
    Config redisson = RedisClients.toRedisson(config.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(12)));
    BaseConfig<?> server = redisson.isClusterConfig() ? redisson.useClusterServers() : redisson.useSingleServer();
    server.setRetryAttempts(5).setRetryDelay(new ConstantDelay(Duration.ofMillis(500)));
    return Redisson.create(redisson);
  }
}
