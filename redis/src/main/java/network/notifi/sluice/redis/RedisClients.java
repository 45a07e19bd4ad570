package network.notifi.sluice.redis;

import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;

/**
 * Builds the Redisson client for a {@link RedisConfig}: a single server or a cluster, reads from
 * masters only ({@link ReadMode#MASTER}: a compare-and-swap must never read a stale replica), short
 * timeouts and one quick retry, so that an unreachable Redis is noticed fast and degraded mode takes
 * over.
 */
public final class RedisClients {

  /**
   * Connections per master (Redisson runs one command per connection at a time). A burst's
   * admissions all go to its namespace's master, next to the build ends they cause and the hot
   * buckets' compare-and-swaps: 64 ran out under a 200-request burst on 3 replicas ("Unable to
   * acquire connection"), so 128.
   */
  static final int POOL_SIZE = 128;

  /** Connections per master opened at start and kept open, so a burst rarely waits for a new one. */
  static final int MIN_IDLE = 24;

  private RedisClients() {}

  /**
   * A connected client. Blocks while it connects (at most the connect timeout per node), so that the
   * request path never waits for a first connection. The caller owns the client and must {@code
   * shutdown()} it.
   *
   * @throws IllegalStateException if {@code config.mode()} is {@code none}
   * @throws org.redisson.client.RedisConnectionException if no server can be reached
   */
  public static RedissonClient create(RedisConfig config) {
    return Redisson.create(toRedisson(config));
  }

  /** The Redisson configuration for {@code config}; exposed for tools and tests. */
  public static Config toRedisson(RedisConfig config) {
    var redisson = new Config();
    String scheme = config.tls() ? "rediss://" : "redis://";
    switch (config.mode()) {
      case STANDALONE -> {
        var single = redisson.useSingleServer()
            .setAddress(scheme + config.addresses().get(0))
            .setConnectionMinimumIdleSize(MIN_IDLE)
            .setConnectionPoolSize(POOL_SIZE);
        common(single, config);
      }
      case CLUSTER -> {
        var cluster = redisson.useClusterServers()
            .setReadMode(ReadMode.MASTER)
            .setScanInterval(1_000)
            .setMasterConnectionMinimumIdleSize(MIN_IDLE)
            .setMasterConnectionPoolSize(POOL_SIZE);
        config.addresses().forEach(a -> cluster.addNodeAddress(scheme + a));
        common(cluster, config);
      }
      case NONE -> throw new IllegalStateException("redis.mode is none: there is no Redis to connect to");
      default -> throw new IllegalStateException("unknown redis.mode " + config.mode());
    }
    return redisson;
  }

  private static void common(BaseConfig<?> server, RedisConfig config) {
    server
        .setConnectTimeout(millis(config.connectTimeout()))
        .setTimeout(millis(config.commandTimeout()))
        .setRetryAttempts(1)
        // Redisson 4 also uses the retry delay as each attempt's deadline to get a connection and
        // write the command: at 50 ms, a burst that queued commands for a pooled connection or an
        // event loop for 100 ms failed them ("Unable to acquire connection", "Command still hasn't
        // been written"), whatever the command timeout. An attempt gets the command timeout instead.
        .setRetryDelay(new ConstantDelay(config.commandTimeout()))
        .setClientName("sluice");
    if (!config.password().isEmpty()) {
      server.setPassword(config.password());
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
