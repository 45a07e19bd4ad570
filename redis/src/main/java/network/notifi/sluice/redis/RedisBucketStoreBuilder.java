package network.notifi.sluice.redis;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Objects;
import network.notifi.sluice.common.Settings;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.RedisBucketStore.HotKeyOptimization;
import org.redisson.api.RedissonClient;

/**
 * Settings of a {@link RedisBucketStore}, from {@link RedisBucketStore#builder}. Each setter checks
 * its value and names the setting in its message. Not thread-safe; {@link #build()} copies them.
 */
public final class RedisBucketStoreBuilder {
  final RedissonClient client;
  EpochNanoClock clock = EpochNanoClock.system();
  String keyPrefix = "sluice:";
  Duration decisionTimeout = Duration.ofMillis(500);
  int maxCasAttempts = 8;
  HotKeyOptimization hotKeys = HotKeyOptimization.BATCHING;
  Duration keepIdleFull = Duration.ofSeconds(10);
  Duration refusalMaxAge = Duration.ofMillis(100);
  RedisConfig.HotKeyLeaseConfig hotKeyLeases = RedisConfig.HotKeyLeaseConfig.off();
  MeterRegistry registry = new SimpleMeterRegistry();

  RedisBucketStoreBuilder(RedissonClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The clock buckets refill with; default the system clock. Use a {@link RedisTimeClock}. */
  public RedisBucketStoreBuilder clock(EpochNanoClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Prepended to every key; default {@code sluice:}. */
  public RedisBucketStoreBuilder keyPrefix(String keyPrefix) {
    this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    return this;
  }

  /** Time limit of one bucket operation, CAS retries included; default 500 ms. */
  public RedisBucketStoreBuilder decisionTimeout(Duration timeout) {
    this.decisionTimeout = Settings.requirePositive("decisionTimeout", timeout);
    return this;
  }

  /** CAS attempts per operation before {@link CasContentionException}; default 8. */
  public RedisBucketStoreBuilder maxCasAttempts(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("maxCasAttempts must be >= 1, was " + attempts);
    }
    this.maxCasAttempts = attempts;
    return this;
  }

  /** The optimization of the global and endpoint buckets; default {@link HotKeyOptimization#BATCHING}. */
  public RedisBucketStoreBuilder hotKeys(HotKeyOptimization optimization) {
    this.hotKeys = Objects.requireNonNull(optimization, "optimization");
    return this;
  }

  /** How long an idle key lives after its bucket would be full again; default 10 s. */
  public RedisBucketStoreBuilder keepIdleFull(Duration keep) {
    this.keepIdleFull = Settings.requireNotNegative("keepIdleFull", keep);
    return this;
  }

  /**
   * How old a remembered bucket state may be and still refuse a request without a read from Redis;
   * default 100 ms. Such a refusal misses at most the tokens other replicas gave back in that time.
   * Zero reads every bucket that holds no whole token before refusing.
   */
  public RedisBucketStoreBuilder refusalMaxAge(Duration maxAge) {
    this.refusalMaxAge = Settings.requireNotNegative("refusalMaxAge", maxAge);
    return this;
  }

  /**
   * Token leases of the global and endpoint buckets ({@link HotKeyLeases}); off by default. When on,
   * a bucket may admit up to {@code rate × maxAge} more than an exact one in any window.
   */
  public RedisBucketStoreBuilder hotKeyLeases(RedisConfig.HotKeyLeaseConfig leases) {
    this.hotKeyLeases = Objects.requireNonNull(leases, "leases");
    return this;
  }

  /** Where the commands per level are counted; default a registry of its own. */
  public RedisBucketStoreBuilder meterRegistry(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  public RedisBucketStore build() {
    return new RedisBucketStore(this);
  }
}
