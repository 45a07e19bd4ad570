package network.notifi.sluice.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import network.notifi.sluice.limiter.Clock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shared store (Redis) behind a Resilience4j circuit breaker, with a local answer when it fails.
 *
 * <p>While the breaker is closed, every call goes to the shared store; a call that fails (error,
 * {@code decision_timeout}, CAS contention) is answered locally and counted by the breaker. Once the
 * breaker opens, calls are answered locally at once and never wait on Redis. Half-open probes are a
 * background GET every 250 ms, not user requests, so no request waits on a dead server either; when
 * the probes succeed the breaker closes and decisions go back to Redis by themselves.
 *
 * <p>The local answer depends on {@code redis.failure_mode}:
 *
 * <ul>
 *   <li>{@code local}: in-process buckets whose rate and burst are the configured ones ÷ the last
 *       known number of live replicas (at least 1 each), so that the replicas together stay near the
 *       shared limit. The local buckets start full when degraded mode starts or the replica count
 *       changes;
 *   <li>{@code open}: every request is admitted;
 *   <li>{@code closed}: every request is refused, with a retry-after of the breaker's open wait.
 * </ul>
 *
 * <p>A token taken from one store is refunded to whichever store is active at refund time, so
 * during a switch a refund can land in the other store: at most one token per decision in flight.
 *
 * <p>Metrics: gauge {@code rate_limit_degraded} (1 while answers are local), {@code
 * rate_limit_degraded_switches_total{to=degraded|shared}}, {@code rate_limit_store_errors_total}.
 * Every switch is logged. Thread-safe; no method blocks.
 */
public final class DegradingBucketStore implements BucketStore {

  private static final Logger log = LoggerFactory.getLogger(DegradingBucketStore.class);
  private static final BucketKey PROBE_KEY = BucketKey.GLOBAL;
  private static final Limit PROBE_LIMIT = Limit.of(1, 1);

  private final BucketStore shared;
  private final FailureMode failureMode;
  private final IntSupplier liveReplicas;
  private final Clock localClock;
  private final CircuitBreaker breaker;
  private final long retryAfterNanos;
  private final ScheduledExecutorService prober;
  private final Counter toDegraded;
  private final Counter toShared;
  private final Counter failures;
  private volatile Local local;

  /** The in-process store used while degraded, for one replica count. */
  private record Local(int replicas, InProcessBucketStore store) {}

  private DegradingBucketStore(
      BucketStore shared,
      FailureMode failureMode,
      IntSupplier liveReplicas,
      Clock localClock,
      CircuitBreakerConfig breakerConfig,
      MeterRegistry registry) {
    this.shared = Objects.requireNonNull(shared, "shared");
    this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
    this.liveReplicas = Objects.requireNonNull(liveReplicas, "liveReplicas");
    this.localClock = Objects.requireNonNull(localClock, "localClock");
    this.breaker = CircuitBreaker.of("redis", breakerConfig);
    this.retryAfterNanos = breakerConfig.getWaitIntervalFunctionInOpenState().apply(1) * 1_000_000L;
    this.local = new Local(1, InProcessBucketStore.create(localClock, InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES));
    this.toDegraded = Counter.builder("rate_limit_degraded_switches")
        .description("Switches between shared (Redis) and local rate-limit decisions")
        .tag("to", "degraded")
        .register(registry);
    this.toShared = Counter.builder("rate_limit_degraded_switches")
        .description("Switches between shared (Redis) and local rate-limit decisions")
        .tag("to", "shared")
        .register(registry);
    this.failures = Counter.builder("rate_limit_store_errors")
        .description("Calls to the shared rate-limit store that failed or timed out")
        .register(registry);
    Gauge.builder("rate_limit_degraded", this, s -> s.isDegraded() ? 1 : 0)
        .description("1 while rate-limit decisions are answered locally because Redis is unavailable")
        .register(registry);
    breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition()));
    this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
      var t = new Thread(r, "sluice-redis-probe");
      t.setDaemon(true);
      return t;
    });
    prober.scheduleWithFixedDelay(this::probe, 250, 250, TimeUnit.MILLISECONDS);
  }

  /**
   * The default breaker: opens when at least half of the last 20 calls (at least 5) failed, stays
   * open 1 s, then closes after 2 successful probes.
   */
  public static CircuitBreakerConfig defaultBreakerConfig() {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .permittedNumberOfCallsInHalfOpenState(2)
        .build();
  }

  /** Wraps {@code shared} with the default breaker and {@code config.failureMode()}. */
  public static DegradingBucketStore create(
      BucketStore shared, RedisConfig config, IntSupplier liveReplicas, Clock localClock, MeterRegistry registry) {
    return create(shared, config.failureMode(), liveReplicas, localClock, defaultBreakerConfig(), registry);
  }

  public static DegradingBucketStore create(
      BucketStore shared,
      FailureMode failureMode,
      IntSupplier liveReplicas,
      Clock localClock,
      CircuitBreakerConfig breakerConfig,
      MeterRegistry registry) {
    return new DegradingBucketStore(shared, failureMode, liveReplicas, localClock, breakerConfig, registry);
  }

  /** Whether decisions are answered locally now. */
  public boolean isDegraded() {
    var state = breaker.getState();
    return state == CircuitBreaker.State.OPEN
        || state == CircuitBreaker.State.HALF_OPEN
        || state == CircuitBreaker.State.FORCED_OPEN;
  }

  /** The breaker, for health checks and tests. */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /** The limit local buckets use now: {@code limit} ÷ live replicas, rate and burst at least 1. */
  public Limit localLimit(Limit limit) {
    int n = Math.max(1, liveReplicas.getAsInt());
    return new Limit(Math.max(1, limit.ratePerSecond() / n), Math.max(1, limit.burst() / n), limit.shadow());
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    return viaShared(s -> s.tryConsume(key, limit, tokens), () -> locally(key, limit, tokens));
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    if (isDegraded()) {
      return failureMode == FailureMode.LOCAL ? localStore().refund(key, localLimit(limit), tokens) : done();
    }
    // A refund that fails costs at most the token it gives back; it does not count against Redis.
    return shared.refund(key, limit, tokens).exceptionally(e -> null);
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    return viaShared(s -> s.snapshot(key, limit), () -> localStore().snapshot(key, localLimit(limit)));
  }

  /** Stops the prober and closes the shared store. */
  @Override
  public void close() {
    prober.shutdownNow();
    shared.close();
  }

  private <T> CompletableFuture<T> viaShared(
      Function<BucketStore, CompletableFuture<T>> call, java.util.function.Supplier<CompletableFuture<T>> fallback) {
    if (isDegraded() || !breaker.tryAcquirePermission()) {
      return fallback.get();
    }
    long start = System.nanoTime();
    CompletableFuture<T> attempt;
    try {
      attempt = call.apply(shared);
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    return attempt
        .handle((result, failure) -> {
          long elapsed = System.nanoTime() - start;
          if (failure == null) {
            breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
            return CompletableFuture.completedFuture(result);
          }
          failures.increment();
          breaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
          return fallback.get();
        })
        .thenCompose(Function.identity());
  }

  private CompletableFuture<TokenProbe> locally(BucketKey key, Limit limit, long tokens) {
    return switch (failureMode) {
      case LOCAL -> localStore().tryConsume(key, localLimit(limit), tokens);
      case OPEN -> CompletableFuture.completedFuture(new TokenProbe(true, Math.max(0, limit.burst() - tokens), 0, 0));
      case CLOSED -> CompletableFuture.completedFuture(
          new TokenProbe(false, 0, retryAfterNanos, limit.nanosToRefill(limit.burst())));
    };
  }

  private InProcessBucketStore localStore() {
    int n = Math.max(1, liveReplicas.getAsInt());
    Local current = local;
    if (current.replicas() == n) {
      return current.store();
    }
    synchronized (this) {
      if (local.replicas() != n) {
        // Limits changed with the replica count; buckets sized for the old count are dropped.
        local = new Local(n, InProcessBucketStore.create(localClock, InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES));
      }
      return local.store();
    }
  }

  /** While half-open, a background GET stands in for user requests as the breaker's probe. */
  private void probe() {
    if (breaker.getState() != CircuitBreaker.State.HALF_OPEN || !breaker.tryAcquirePermission()) {
      return;
    }
    long start = System.nanoTime();
    try {
      shared.snapshot(PROBE_KEY, PROBE_LIMIT).handle((s, failure) -> {
        long elapsed = System.nanoTime() - start;
        if (failure == null) {
          breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
        } else {
          breaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
        }
        return null;
      }).join();
    } catch (RuntimeException e) {
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
    }
  }

  private void onTransition(CircuitBreaker.StateTransition transition) {
    boolean wasDegraded = degraded(transition.getFromState());
    boolean nowDegraded = degraded(transition.getToState());
    if (!wasDegraded && nowDegraded) {
      toDegraded.increment();
      log.warn("Redis unavailable: rate-limit decisions are now local (failure_mode {}, {} live replicas)",
          failureMode, liveReplicas.getAsInt());
    } else if (wasDegraded && !nowDegraded) {
      toShared.increment();
      log.info("Redis is back: rate-limit decisions are shared again");
    }
  }

  private static boolean degraded(CircuitBreaker.State state) {
    return state == CircuitBreaker.State.OPEN
        || state == CircuitBreaker.State.HALF_OPEN
        || state == CircuitBreaker.State.FORCED_OPEN;
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
