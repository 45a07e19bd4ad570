package network.notifi.sluice.api;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import network.notifi.sluice.api.admin.AdminToken;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.limits.RedisLimitsStore;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.JobsFailureMode;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.local.LocalProcessLauncher;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SharedStateHealth;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.k8s.KubernetesClients;
import network.notifi.sluice.k8s.KubernetesJobLauncher;
import network.notifi.sluice.redis.jobs.RedisJobStores;
import network.notifi.sluice.api.tracing.Tracing;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.DegradingBucketStore;
import network.notifi.sluice.redis.RedisBucketStore;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.RedisTimeClock;
import network.notifi.sluice.redis.ReplicaHeartbeat;
import network.notifi.sluice.redis.SharedLimits;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link SluiceApp} from configuration. With {@code redis.mode: none}, the embedded default:
 * in-process buckets and job stores. Otherwise buckets, slots, queues, backoff windows and build
 * records shared through Redis (standalone or cluster); buckets behind a circuit breaker that falls
 * back to local buckets, on Redis's clock. Builds run as local processes or, with {@code
 * jobs.launcher: kubernetes}, as Kubernetes Jobs.
 */
public final class Wiring {

  private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

  private Wiring() {}

  /** The app for {@code config}, not started; the caller starts and closes it. */
  public static SluiceApp build(SluiceConfig config, Map<String, String> env) {
    return build(config, env, null);
  }

  /**
   * As {@link #build(SluiceConfig, Map)}, with the buckets on {@code bucketClock} instead of the
   * system's or Redis's clock: for tests that move time themselves.
   */
  public static SluiceApp build(SluiceConfig config, Map<String, String> env, EpochNanoClock bucketClock) {
    var builder = SluiceApp.builder(config)
        .openTelemetry(Tracing.fromEnvironment(env))
        .adminToken(AdminToken.fromEnvironment(env));
    if (bucketClock != null) {
      builder.clock(bucketClock);
    }
    Clock clock = Clock.systemUTC();
    JobStores stores = InProcessStores.create(clock);
    SharedStateHealth health = SharedStateHealth.IN_PROCESS;
    if (config.redis().mode() != RedisConfig.Mode.NONE) {
      SharedRedis redis = withRedis(builder, config.redis(), bucketClock);
      // Leases, claims and records are compared across replicas: they run on the shared clock.
      clock = redis.time().javaClock();
      stores = RedisJobStores.create(redis.client(), config.redis(), clock, builder.registry());
      health = redis.health();
    }
    JobLauncher launcher = launcher(config, stores, builder);
    JobsFailureMode failureMode = config.jobs().failureMode();
    var admission = BuildAdmission.create(config.jobs().admission(), stores, launcher, clock, builder.registry(),
        failureMode, health);
    admission.startDispatcher();
    if (config.redis().mode() != RedisConfig.Mode.NONE) {
      builder.dependency("jobs", admission::isDegraded, () -> Map.of(
          "failure_mode", failureMode.code(),
          "degraded_builds", admission.degradedBuilds()));
    }
    return builder.admission(admission).build();
  }

  private static JobLauncher launcher(SluiceConfig config, JobStores stores, SluiceAppBuilder builder) {
    if (config.jobs().launcher() == SluiceConfig.Launcher.LOCAL) {
      return new LocalProcessLauncher(config.jobs().admission().local());
    }
    K8sConfig k8s = config.jobs().kubernetes();
    var launcher = KubernetesJobLauncher.builder(k8s, KubernetesClients.fromConfig(k8s))
        .watchClient(KubernetesClients.forWatches(k8s))
        .meterRegistry(builder.registry())
        .reconcileSlots(stores.slots(), config.jobs().admission().leaseDuration())
        .build()
        .start();
    builder.dependency("kubernetes", () -> !launcher.available(), () -> Map.of(
        "api", k8s.apiUrl().orElse("in-cluster or KUBECONFIG"),
        "circuit_breaker", launcher.health().breakerState()));
    return launcher;
  }

  /** What the Redis wiring hands on to build admission. */
  private record SharedRedis(RedissonClient client, RedisTimeClock time, ReplicaHeartbeat heartbeat,
      DegradingBucketStore buckets, Duration commandTimeout) {

    /**
     * Redis is down while the buckets' breaker is open (one breaker for the replica's Redis). An
     * admission step is one command sent once: it fails within twice the command timeout (the wait to
     * write it, then the wait for its reply), and is given up on then.
     */
    SharedStateHealth health() {
      return SharedStateHealth.of(buckets::isDegraded, heartbeat::liveReplicas, commandTimeout.multipliedBy(2));
    }
  }

  /**
   * The Redis client, shared clock, heartbeat and bucket store. The client connects lazily: a replica
   * whose Redis is down at start starts anyway, degraded (its breaker open), and connects when Redis
   * answers.
   */
  private static SharedRedis withRedis(SluiceAppBuilder builder, RedisConfig redis, EpochNanoClock bucketClock) {
    RedissonClient client = RedisClients.create(redis);
    builder.closing(client::shutdown);
    // Blocks for the first TIME (at most 4 x command timeout): the one wait for Redis at start.
    RedisTimeClock redisTime = RedisTimeClock.start(client, redis);
    builder.closing(redisTime);
    EpochNanoClock clock = bucketClock != null ? bucketClock : redisTime;
    ReplicaHeartbeat heartbeat = ReplicaHeartbeat.start(client, redis, "replica-" + UUID.randomUUID(), clock);
    builder.closing(heartbeat);
    var shared = RedisBucketStore.create(client, redis, clock, builder.registry());
    builder.limitsStore(new RedisLimitsStore(SharedLimits.create(client, redis.keyPrefix()), Clock.systemUTC()));
    var store = DegradingBucketStore.create(
        shared, redis, heartbeat::liveReplicas, EpochNanoClock.system(), builder.registry());
    if (!redisTime.isSynced()) {
      LOG.warn("Redis ({} {}) did not answer at start: starting degraded; shared again once it answers",
          redis.mode(), redis.addresses());
      store.circuitBreaker().transitionToOpenState();
    }
    bindBreaker(store, builder);
    builder.clock(clock).bucketStore(store, "redis");
    builder.dependency("redis", store::isDegraded, () -> Map.of(
        "mode", redis.mode().toString(),
        "failure_mode", redis.failureMode().toString(),
        "live_replicas", heartbeat.liveReplicas(),
        "circuit_breaker", store.circuitBreaker().getState().name().toLowerCase(Locale.ROOT)));
    return new SharedRedis(client, redisTime, heartbeat, store, redis.commandTimeout());
  }

  private static void bindBreaker(DegradingBucketStore store, SluiceAppBuilder builder) {
    // The binder reads breakers from a registry: put the store's own breaker in one.
    var breakers = CircuitBreakerRegistry.ofDefaults();
    String name = store.circuitBreaker().getName();
    breakers.circuitBreaker(name);
    breakers.replace(name, store.circuitBreaker());
    MeterBinder binder = TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers);
    binder.bindTo(builder.registry());
  }
}
