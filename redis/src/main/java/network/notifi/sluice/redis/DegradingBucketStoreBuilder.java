package network.notifi.sluice.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.function.IntSupplier;
import network.notifi.sluice.common.Settings;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import network.notifi.sluice.redis.internal.SharedStoreBreaker;

/** Settings of a {@link DegradingBucketStore}. Not thread-safe; {@link #build()} reads them once. */
public final class DegradingBucketStoreBuilder {
  final BucketStore shared;
  FailureMode failureMode = FailureMode.LOCAL;
  IntSupplier liveReplicas = () -> 1;
  EpochNanoClock clock = EpochNanoClock.system();
  Duration slowCallThreshold = Duration.ofMillis(250);
  CircuitBreakerConfig breakerConfig;
  MeterRegistry registry = new SimpleMeterRegistry();
  Duration maintenanceInterval = Duration.ofMillis(250);

  DegradingBucketStoreBuilder(BucketStore shared) {
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  /** What local answers are; default {@link FailureMode#LOCAL}. */
  public DegradingBucketStoreBuilder failureMode(FailureMode failureMode) {
    this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
    return this;
  }

  /** The last known number of live replicas, which sizes the shares; default 1. */
  public DegradingBucketStoreBuilder liveReplicas(IntSupplier liveReplicas) {
    this.liveReplicas = Objects.requireNonNull(liveReplicas, "liveReplicas");
    return this;
  }

  /** The clock of the shares, the breaker and call durations; default the system clock. */
  public DegradingBucketStoreBuilder clock(EpochNanoClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** A call slower than this counts against Redis like a failure; default 250 ms. */
  public DegradingBucketStoreBuilder slowCallThreshold(Duration threshold) {
    this.slowCallThreshold = Settings.requirePositive("slowCallThreshold", threshold);
    return this;
  }

  /** A breaker of its own instead of {@link SharedStoreBreaker#config}; mind its clock. */
  public DegradingBucketStoreBuilder breaker(CircuitBreakerConfig config) {
    this.breakerConfig = Objects.requireNonNull(config, "config");
    return this;
  }

  /** Where the metrics go; default a registry of its own. */
  public DegradingBucketStoreBuilder meterRegistry(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  /** How often {@link DegradingBucketStore#maintain()} runs on a thread of its own; zero for never (tests call it). */
  public DegradingBucketStoreBuilder maintenanceEvery(Duration interval) {
    this.maintenanceInterval = Settings.requireNotNegative("maintenanceEvery", interval);
    return this;
  }

  public DegradingBucketStore build() {
    return new DegradingBucketStore(this);
  }
}
