package network.notifi.sluice.api;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.Map;
import java.util.UUID;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.tracing.Tracing;
import network.notifi.sluice.limiter.Clock;
import network.notifi.sluice.redis.DegradingBucketStore;
import network.notifi.sluice.redis.RedisBucketStore;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.RedisTimeClock;
import network.notifi.sluice.redis.ReplicaHeartbeat;
import org.redisson.api.RedissonClient;

/**
 * Builds a {@link SluiceApp} from configuration: the embedded default with {@code redis.mode: none},
 * else buckets shared through Redis (standalone or cluster) behind a circuit breaker that falls back
 * to local buckets, on Redis's clock.
 */
public final class Wiring {

  private Wiring() {}

  /** The app for {@code config}, not started; the caller starts and closes it. */
  public static SluiceApp build(SluiceConfig config, Map<String, String> env) {
    var builder = SluiceApp.builder(config).openTelemetry(Tracing.fromEnvironment(env));
    if (config.redis().mode() != RedisConfig.Mode.NONE) {
      withRedis(builder, config.redis());
    }
    return builder.build();
  }

  private static void withRedis(SluiceApp.Builder builder, RedisConfig redis) {
    RedissonClient client = RedisClients.create(redis);
    builder.closing(client::shutdown);
    RedisTimeClock clock = RedisTimeClock.start(client, redis);
    builder.closing(clock);
    ReplicaHeartbeat heartbeat = ReplicaHeartbeat.start(client, redis, "replica-" + UUID.randomUUID(), clock);
    builder.closing(heartbeat);
    var shared = RedisBucketStore.create(client, redis, clock);
    var store = DegradingBucketStore.create(shared, redis, heartbeat::liveReplicas, Clock.system(), builder.registry());
    bindBreaker(store, builder);
    builder.clock(clock).bucketStore(store, "redis");
    builder.dependency("redis", store::isDegraded, () -> Map.of(
        "mode", redis.mode().toString(),
        "failure_mode", redis.failureMode().toString(),
        "live_replicas", heartbeat.liveReplicas(),
        "circuit_breaker", store.circuitBreaker().getState().name().toLowerCase(java.util.Locale.ROOT)));
  }

  private static void bindBreaker(DegradingBucketStore store, SluiceApp.Builder builder) {
    // The binder reads breakers from a registry: put the store's own breaker in one.
    var breakers = CircuitBreakerRegistry.ofDefaults();
    String name = store.circuitBreaker().getName();
    breakers.circuitBreaker(name);
    breakers.replace(name, store.circuitBreaker());
    MeterBinder binder = TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers);
    binder.bindTo(builder.registry());
  }
}
