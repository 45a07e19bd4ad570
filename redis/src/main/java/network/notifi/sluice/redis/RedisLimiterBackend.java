package network.notifi.sluice.redis;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import network.notifi.sluice.limiter.spi.BucketStore;
import org.redisson.api.RedissonClient;

/**
 * Everything a replica needs for shared rate limits, wired from one {@link RedisConfig}: the
 * Redisson client, the {@link RedisTimeClock}, the {@link ReplicaHeartbeat}, the {@link
 * RedisBucketStore} behind a {@link DegradingBucketStore}, and a {@link BucketInspector}. Closing it
 * closes them all, client last.
 *
 * <pre>{@code
 * var backend = RedisLimiterBackend.start(config, replicaId, registry);
 * var limiter = MultiLevelLimiter.of(limits, backend.store(), registry);
 * }</pre>
 */
public final class RedisLimiterBackend implements AutoCloseable {

  private final RedissonClient client;
  private final RedisTimeClock clock;
  private final ReplicaHeartbeat heartbeat;
  private final DegradingBucketStore store;
  private final BucketInspector inspector;

  private RedisLimiterBackend(RedisConfig config, String replicaId, MeterRegistry registry) {
    this.client = RedisClients.create(config);
    this.clock = RedisTimeClock.start(client, config);
    this.heartbeat = ReplicaHeartbeat.start(client, config, replicaId, clock);
    var shared = RedisBucketStore.create(client, config, clock);
    this.store = DegradingBucketStore.create(shared, config, heartbeat::liveReplicas, clock, registry);
    this.inspector = BucketInspector.create(client, config.keyPrefix(), clock);
  }

  /**
   * Connects and starts the clock refresh and the heartbeat. Blocks while connecting (connect
   * timeout) and for the first clock measurement (at most 4 × command timeout).
   *
   * @throws IllegalStateException if {@code config.mode()} is {@code none}
   */
  public static RedisLimiterBackend start(RedisConfig config, String replicaId, MeterRegistry registry) {
    Objects.requireNonNull(config, "config");
    return new RedisLimiterBackend(config, replicaId, registry);
  }

  /** The store to give the limiter: Redis, with degraded mode. */
  public BucketStore store() {
    return store;
  }

  /** The degrading store, for health checks ({@link DegradingBucketStore#isDegraded()}). */
  public DegradingBucketStore degradingStore() {
    return store;
  }

  public RedisTimeClock clock() {
    return clock;
  }

  public ReplicaHeartbeat heartbeat() {
    return heartbeat;
  }

  public BucketInspector inspector() {
    return inspector;
  }

  public RedissonClient client() {
    return client;
  }

  @Override
  public void close() {
    store.close();
    heartbeat.close();
    clock.close();
    client.shutdown();
  }
}
