package network.notifi.sluice.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.internal.JavaClocks;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.LongCodec;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.client.protocol.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One clock for every replica: this process's clock plus an offset to Redis {@code TIME}, measured
 * at start and again periodically. Buckets in Redis are refilled with the clock of whichever replica
 * writes them, so a replica whose clock is 5 s off would otherwise grant (or withhold) 5 s worth of
 * tokens; with this clock every replica agrees to within a round trip.
 *
 * <p>The offset is measured as {@code redisTime - (before + after) / 2} around one {@code TIME} call
 * (routed to the master of the global bucket), so its error is at most half a round trip. Until the
 * first measurement succeeds the offset is 0; a failed refresh keeps the last offset.
 *
 * <p>{@link #epochNanos()} never blocks and is thread-safe. {@link #start} blocks for the first
 * measurement (at most the command timeout); {@link #close()} stops the refresh.
 */
public final class RedisTimeClock implements EpochNanoClock, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RedisTimeClock.class);

  private final EpochNanoClock base;
  private final Supplier<CompletionStage<Long>> redisMicros;
  private final ScheduledExecutorService scheduler;
  private volatile long offsetNanos;
  private volatile boolean synced;

  RedisTimeClock(EpochNanoClock base, Supplier<CompletionStage<Long>> redisMicros, ScheduledExecutorService scheduler) {
    this.base = Objects.requireNonNull(base, "base");
    this.redisMicros = Objects.requireNonNull(redisMicros, "redisMicros");
    this.scheduler = scheduler;
  }

  /** A clock on the system clock, synced with the Redis that {@code client} talks to. */
  public static RedisTimeClock start(RedissonClient client, RedisConfig config) {
    return start(client, config, EpochNanoClock.system());
  }

  /**
   * A clock on {@code base}, synced with Redis now and every {@code config.clockRefreshInterval()}.
   * Tests pass a skewed base clock.
   */
  public static RedisTimeClock start(RedissonClient client, RedisConfig config, EpochNanoClock base) {
    String routingKey = config.keyPrefix() + "rl:{global}";
    var executor = ((Redisson) client).getCommandExecutor();
    Supplier<CompletionStage<Long>> time = () -> executor
        .<Time, Time>readAsync(routingKey, LongCodec.INSTANCE, RedisCommands.TIME)
        .thenApply(t -> t.getSeconds() * 1_000_000L + t.getMicroseconds());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-redis-clock"));
    var clock = new RedisTimeClock(base, time, scheduler);
    try {
      clock.refresh().toCompletableFuture().get(config.commandTimeout().toMillis() * 4, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("Could not read Redis TIME at start; using the local clock until it can: {}", e.toString());
    }
    long period = config.clockRefreshInterval().toMillis();
    scheduler.scheduleWithFixedDelay(clock::refresh, period, period, TimeUnit.MILLISECONDS);
    return clock;
  }

  @Override
  public long epochNanos() {
    return base.epochNanos() + offsetNanos;
  }

  /**
   * This clock as a {@link Clock} (UTC), for the job stores: leases, queue claims and build
   * records are compared across replicas, so they need the shared time as much as buckets do.
   */
  public Clock javaClock() {
    return JavaClocks.of(this);
  }

  /** Redis time minus local time, as last measured. */
  public Duration offset() {
    return Duration.ofNanos(offsetNanos);
  }

  /** Whether an offset has been measured at least once. */
  public boolean isSynced() {
    return synced;
  }

  /** Measures the offset again; completes when done, never exceptionally. */
  public CompletionStage<Void> refresh() {
    long before = base.epochNanos();
    CompletionStage<Long> reply;
    try {
      reply = redisMicros.get();
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.handle((micros, failure) -> {
      if (failure != null) {
        log.debug("Redis TIME failed; keeping offset {}: {}", offset(), failure.toString());
        return null;
      }
      long after = base.epochNanos();
      long offset = micros * 1_000L - (before + (after - before) / 2);
      long change = Math.abs(offset - offsetNanos);
      offsetNanos = offset;
      if (!synced || change > 100_000_000L) {
        log.info("Clock offset to Redis TIME is {} ms", offset / 1_000_000L);
      }
      synced = true;
      return null;
    });
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
