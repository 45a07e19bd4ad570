package network.notifi.sluice.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.internal.KeySchema;
import org.redisson.api.RScoredSortedSet;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas announce themselves in Redis and count each other, so that degraded mode can size its
 * local buckets at limit ÷ live replicas.
 *
 * <p>Announcements are members of one sorted set, {@code sluice:replicas}, scored with the time (ms)
 * until which they count; every {@code heartbeat_interval} a replica re-announces itself with a
 * deadline {@code heartbeat_ttl} ahead, drops expired members and counts the live ones. One key
 * rather than a key per replica, so counting needs no SCAN over the whole keyspace; the set itself
 * expires when every replica is gone. Pass a {@link RedisTimeClock} so every replica scores on the
 * same time.
 *
 * <p>{@link #liveReplicas()} returns the last count and never blocks; while Redis is unreachable
 * the last known count stays (at least 1). Thread-safe.
 */
public final class ReplicaHeartbeat implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReplicaHeartbeat.class);

  private final RScoredSortedSet<String> replicas;
  private final String replicaId;
  private final Duration ttl;
  private final EpochNanoClock clock;
  private final ScheduledExecutorService scheduler;
  private volatile int live = 1;

  private ReplicaHeartbeat(
      RedissonClient client, KeySchema keys, String replicaId, Duration ttl, EpochNanoClock clock) {
    this.replicas = client.getScoredSortedSet(keys.replicasKey(), StringCodec.INSTANCE);
    this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
    this.ttl = ttl;
    this.clock = clock;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-replica-heartbeat"));
  }

  /** Announces {@code replicaId} now and every {@code config.heartbeatInterval()}. Does not block. */
  public static ReplicaHeartbeat start(
      RedissonClient client, RedisConfig config, String replicaId, EpochNanoClock clock) {
    var heartbeat = new ReplicaHeartbeat(client, new KeySchema(config.keyPrefix()), replicaId,
        config.heartbeatTtl(), clock);
    long period = config.heartbeatInterval().toMillis();
    heartbeat.scheduler.scheduleWithFixedDelay(
        () -> heartbeat.beat().toCompletableFuture().join(), 0, period, TimeUnit.MILLISECONDS);
    return heartbeat;
  }

  /** Replicas alive at the last successful count, this one included; at least 1. */
  public int liveReplicas() {
    return live;
  }

  public String replicaId() {
    return replicaId;
  }

  /** Announces this replica and counts the live ones; completes with the count, never exceptionally. */
  public CompletionStage<Integer> beat() {
    long now = clock.epochMillis();
    CompletableFuture<Integer> counted = replicas.addAsync(now + ttl.toMillis(), replicaId)
        .thenCompose(added -> replicas.removeRangeByScoreAsync(Double.NEGATIVE_INFINITY, true, now, false))
        .thenCompose(removed -> replicas.expireAsync(ttl.multipliedBy(2)))
        .thenCompose(expiring -> replicas.countAsync(now, true, Double.POSITIVE_INFINITY, true))
        .toCompletableFuture();
    return counted.handle((count, failure) -> {
      if (failure != null) {
        log.debug("Heartbeat failed; keeping the last count {}: {}", live, failure.toString());
        return live;
      }
      int n = Math.max(1, count);
      if (n != live) {
        log.info("Live replicas: {} (was {})", n, live);
      }
      live = n;
      return n;
    });
  }

  /** Stops announcing and withdraws this replica (best effort, without waiting). */
  @Override
  public void close() {
    scheduler.shutdownNow();
    replicas.removeAsync(replicaId);
  }
}
