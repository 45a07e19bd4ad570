package network.notifi.sluice.redis;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import org.redisson.Redisson;
import org.redisson.client.NettyHook;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisConnectionException;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Redisson client for a {@link RedisConfig}: a single server or a cluster, reads from
 * masters only ({@link ReadMode#MASTER}: a compare-and-swap must never read a stale replica), short
 * timeouts and one quick retry, so that an unreachable Redis is noticed fast and degraded mode takes
 * over. A replica starts without Redis: the client then connects when Redis answers ({@link #create}).
 *
 * <h2>Few threads, few connections, few system calls</h2>
 * A decision is a handful of small commands; on a virtual machine every system call and thread
 * wake-up costs more than the command itself (docs/benchmarks.md: about 50 system calls and 16
 * context switches per build start with Redisson's defaults, 1.1 to 1.8 ms of CPU). So the client
 * runs its I/O on {@link #EVENT_LOOPS} event loop: a reply's continuation (the next level's
 * compare-and-swap, the admission script) then writes its command from the loop that owns every
 * connection, with no hand-off and no wake-up. {@link #CONNECTIONS_PER_MASTER} is below 10, the
 * point under which Redisson 4 releases a connection as soon as a command is written, so commands
 * share connections in flight (pipelining) instead of waiting for a free one; and a {@link
 * FlushConsolidationHandler} writes the commands queued on a connection in one loop iteration with
 * one system call. Netty's leak detector, which records a stack trace for a sample of buffers, is off
 * unless {@code -Dio.netty.leakDetection.level} asks for it.
 */
public final class RedisClients {

  private static final Logger log = LoggerFactory.getLogger(RedisClients.class);

  /** Netty event loops of the client: one, see the class comment. */
  static final int EVENT_LOOPS = 1;

  /**
   * Connections per master; below 10 Redisson pipelines commands over them (see the class comment),
   * so a burst never waits for a free connection ("Unable to acquire connection" with 64 exclusive
   * connections under a 200-request burst on 3 replicas).
   */
  static final int CONNECTIONS_PER_MASTER = 4;

  /** Flushes after this many consolidated writes even while more are queued. */
  private static final int MAX_CONSOLIDATED_FLUSHES = 256;

  static {
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  private RedisClients() {}

  /**
   * A client for {@code config}. It connects now (at most the connect timeout per node), so that the
   * request path never waits for a first connection; if no server answers, it is created without
   * connecting instead (Redisson's lazy initialization), so a replica starts while Redis is down, its
   * commands fail fast until a server answers, and it connects then. Only then: a lazily created
   * cluster client hung in {@code shutdown()} after a master failover ({@code ClusterFailoverTest}).
   * The caller owns the client and must {@code shutdown()} it.
   *
   * @throws IllegalStateException if {@code config.mode()} is {@code none}
   */
  public static RedissonClient create(RedisConfig config) {
    try {
      return Redisson.create(toRedisson(config));
    } catch (RedisConnectionException unreachable) {
      log.warn("Redis ({} {}) did not answer ({}); connecting when it does", config.mode(), config.addresses(),
          unreachable.getMessage());
      return Redisson.create(toRedisson(config).setLazyInitialization(true));
    }
  }

  /** The Redisson configuration for {@code config}; exposed for tools and tests. */
  public static Config toRedisson(RedisConfig config) {
    var redisson = new Config();
    String scheme = config.tls() ? "rediss://" : "redis://";
    switch (config.mode()) {
      case STANDALONE -> {
        var single = redisson.useSingleServer()
            .setAddress(scheme + config.addresses().get(0))
            .setConnectionMinimumIdleSize(CONNECTIONS_PER_MASTER)
            .setConnectionPoolSize(CONNECTIONS_PER_MASTER);
        common(single, config);
      }
      case CLUSTER -> {
        var cluster = redisson.useClusterServers()
            .setReadMode(ReadMode.MASTER)
            .setScanInterval(1_000)
            .setMasterConnectionMinimumIdleSize(CONNECTIONS_PER_MASTER)
            .setMasterConnectionPoolSize(CONNECTIONS_PER_MASTER);
        config.addresses().forEach(a -> cluster.addNodeAddress(scheme + a));
        common(cluster, config);
      }
      case NONE -> throw new IllegalStateException("redis.mode is none: there is no Redis to connect to");
      default -> throw new IllegalStateException("unknown redis.mode " + config.mode());
    }
    // Sluice stores no Redisson objects inside others: without this, every argument of every command
    // is first checked for Redisson's live-object annotations (RedissonObjectBuilder.toReference).
    redisson.setReferenceEnabled(false);
    return redisson.setNettyThreads(EVENT_LOOPS).setNettyHook(new ConsolidatedFlushes());
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

  /** Adds a {@link FlushConsolidationHandler} in front of every connection's pipeline. */
  private static final class ConsolidatedFlushes implements NettyHook {
    @Override
    public void afterBoostrapInitialization(Bootstrap bootstrap) {}

    @Override
    public void afterChannelInitialization(Channel channel) {
      channel.pipeline().addFirst(new FlushConsolidationHandler(MAX_CONSOLIDATED_FLUSHES, true));
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
