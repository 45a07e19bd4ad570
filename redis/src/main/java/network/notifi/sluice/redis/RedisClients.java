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
            .setConnectionMinimumIdleSize(4)
            .setConnectionPoolSize(64);
        common(single, config);
      }
      case CLUSTER -> {
        var cluster = redisson.useClusterServers()
            .setReadMode(ReadMode.MASTER)
            .setScanInterval(1_000)
            .setMasterConnectionMinimumIdleSize(4)
            .setMasterConnectionPoolSize(64);
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
        .setRetryDelay(new ConstantDelay(Duration.ofMillis(50)))
        .setClientName("sluice");
    if (!config.password().isEmpty()) {
      server.setPassword(config.password());
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
