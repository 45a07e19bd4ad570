package network.notifi.sluice.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.common.Settings;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import network.notifi.sluice.redis.internal.JavaClocks;
import network.notifi.sluice.redis.internal.LocalShares;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shared store (Redis) behind a Resilience4j circuit breaker, with this replica's share of each
 * bucket to answer from while Redis cannot be asked.
 *
 * <h2>When decisions are local</h2>
 * While the breaker is closed every call goes to the shared store. The breaker opens when Redis is
 * unavailable: at least half of the last 20 calls (at least 5) failed (a connection error, a
 * {@code decision_timeout}) or were slow (over {@code slowCallThreshold}, half the decision
 * timeout). Contention on one hot key ({@link CasContentionException}) is not unavailability: the
 * breaker ignores it, and only that call is answered from the local share. Once the breaker is open
 * every call is answered locally at once. A maintenance round every 250 ms probes Redis with a GET
 * once the breaker's 1 s wait is over (user requests never wait on a probe); two successes close it.
 *
 * <h2>Local shares ({@code failure_mode: local})</h2>
 * A share is one of {@code n} equal parts of its bucket, {@code n} the last known number of live
 * replicas: it refills at the limit's rate ÷ {@code n} (exactly, also below one token per second)
 * and holds at most {@code burst ÷ n}, at least 1. It starts from the bucket's last known state: the
 * tokens Redis last confirmed to this replica (within 10 s), refilled to now, ÷ {@code n}; a replica
 * with no recent state of the bucket starts its share empty. Never full.
 *
 * <p><b>The bound across a switch</b>: from the switch at {@code t0} to {@code t}, the replicas
 * together admit at most {@code max_i P_i + rate × (t - t0)} tokens of a bucket, where {@code P_i} is
 * replica {@code i}'s last confirmed view of the bucket refilled to {@code t0} (at most the burst).
 * {@code P_i} exceeds the bucket's true content at {@code t0} by what the other replicas took since
 * replica {@code i}'s last swap on it: a few tokens for a hot bucket, which every replica swaps every
 * few milliseconds; for an idle one, at most what it could have refilled to. Shares' capacities add
 * up to at most {@code max(burst, n)}. {@code StalledRedisTest} holds three replicas to it through a
 * 1.5 s stall.
 *
 * <h2>Switching back reconciles</h2>
 * Every token a share hands out is owed to the shared bucket. Once the breaker is closed again, the
 * maintenance round charges each bucket with what its share handed out ({@code consumeUpTo}: as far
 * as the bucket allows; the rest is forgiven and counted), then forgets the shares. A refund goes to
 * the store that took the token ({@link TokenProbe#degraded()}): into the share, or to Redis, or,
 * while Redis cannot be asked, to Redis later.
 *
 * <p>{@code failure_mode: open} admits every request, {@code closed} refuses every request with a
 * retry-after of the breaker's wait; neither keeps shares.
 *
 * <p>Metrics: gauge {@code rate_limit_degraded} (1 while answers are local), {@code
 * rate_limit_degraded_switches_total{to=degraded|shared}}, {@code rate_limit_store_errors_total},
 * {@code rate_limit_contended_total{limit_type}}, {@code rate_limit_local_decisions_total
 * {limit_type}}, {@code rate_limit_reconciled_tokens_total{outcome=charged|forgiven|refunded}}.
 * Every switch is logged. Thread-safe; no method blocks.
 */
public final class DegradingBucketStore implements BucketStore {

  private static final Logger log = LoggerFactory.getLogger(DegradingBucketStore.class);
  private static final BucketKey PROBE_KEY = BucketKey.GLOBAL;
  private static final Limit PROBE_LIMIT = Limit.of(1, 1);
  /** Shares held at most (third parties beyond it are answered without one). */
  static final int MAX_SHARES = 24_000;
  private static final TokenProbe TAKEN_FROM_SHARED = new TokenProbe(true, 0, 0, 0, false);

  /** A shared store's last confirmed view of a bucket, refilled to now; empty when it has none. */
  @FunctionalInterface
  public interface LastKnown {
    Optional<Long> tokens(BucketKey key, Limit limit);

    /** No state is ever known: local shares start empty. */
    LastKnown NONE = (key, limit) -> Optional.empty();
  }

  private final BucketStore shared;
  private final LastKnown lastKnown;
  private final FailureMode failureMode;
  private final IntSupplier liveReplicas;
  private final EpochNanoClock clock;
  private final CircuitBreaker breaker;
  private final long retryAfterNanos;
  private final LocalShares shares;
  private final ScheduledExecutorService maintenance;
  private final Counter toDegraded;
  private final Counter toShared;
  private final Counter failures;
  private final Counter charged;
  private final Counter forgiven;
  private final Counter refundedLate;
  private final Map<Level, Counter> contended = new EnumMap<>(Level.class);
  private final Map<Level, Counter> localDecisions = new EnumMap<>(Level.class);

  private DegradingBucketStore(Builder b) {
    this.shared = b.shared;
    this.lastKnown = b.lastKnown;
    this.failureMode = b.failureMode;
    this.liveReplicas = b.liveReplicas;
    this.clock = b.clock;
    CircuitBreakerConfig breakerConfig = b.breakerConfig != null ? b.breakerConfig
        : breakerConfig(b.slowCallThreshold, b.clock);
    this.breaker = CircuitBreaker.of("redis", breakerConfig);
    this.retryAfterNanos = breakerConfig.getWaitIntervalFunctionInOpenState().apply(1) * 1_000_000L;
    this.shares = new LocalShares(b.clock::epochNanos, MAX_SHARES);
    MeterRegistry registry = b.registry;
    this.toDegraded = switches(registry, "degraded");
    this.toShared = switches(registry, "shared");
    this.failures = Counter.builder("rate_limit_store_errors")
        .description("Calls to the shared rate-limit store that failed or timed out")
        .register(registry);
    this.charged = reconciled(registry, "charged");
    this.forgiven = reconciled(registry, "forgiven");
    this.refundedLate = reconciled(registry, "refunded");
    for (Level level : Level.values()) {
      contended.put(level, Counter.builder("rate_limit_contended")
          .description("Bucket operations that lost their compare-and-swap too often and were answered locally")
          .tag("limit_type", level.code())
          .register(registry));
      localDecisions.put(level, Counter.builder("rate_limit_local_decisions")
          .description("Bucket operations answered from this replica's local share instead of Redis")
          .tag("limit_type", level.code())
          .register(registry));
    }
    Gauge.builder("rate_limit_degraded", this, s -> s.isDegraded() ? 1 : 0)
        .description("1 while rate-limit decisions are answered locally because Redis is unavailable")
        .register(registry);
    breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition()));
    if (b.maintenanceInterval.isZero()) {
      this.maintenance = null;
    } else {
      this.maintenance =
          Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-redis-maintenance"));
      long every = b.maintenanceInterval.toMillis();
      maintenance.scheduleWithFixedDelay(this::maintainQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** A builder over {@code shared}; see its setters for the defaults. */
  public static Builder builder(BucketStore shared) {
    return new Builder(shared);
  }

  /**
   * The production wiring: {@code shared}'s last known states seed the shares, {@code
   * config.failureMode()}, a slow-call threshold of half {@code config.decisionTimeout()}.
   */
  public static DegradingBucketStore create(
      RedisBucketStore shared, RedisConfig config, IntSupplier liveReplicas, EpochNanoClock clock,
      MeterRegistry registry) {
    return builder(shared)
        .lastKnown(shared::lastKnownTokens)
        .failureMode(config.failureMode())
        .liveReplicas(liveReplicas)
        .clock(clock)
        .slowCallThreshold(config.decisionTimeout().dividedBy(2))
        .meterRegistry(registry)
        .build();
  }

  /**
   * The breaker: opens when at least half of the last 20 calls (at least 5) failed or took longer
   * than {@code slowCallThreshold}, ignoring {@link CasContentionException}; stays open 1 s, then
   * closes after 2 successful probes. On {@code clock}, so tests move its time.
   */
  public static CircuitBreakerConfig breakerConfig(Duration slowCallThreshold, EpochNanoClock clock) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .slowCallDurationThreshold(slowCallThreshold)
        .slowCallRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .permittedNumberOfCallsInHalfOpenState(2)
        .ignoreException(e -> Futures.unwrap(e) instanceof CasContentionException)
        .clock(JavaClocks.of(clock))
        .build();
  }

  /** Whether decisions are answered locally now. */
  public boolean isDegraded() {
    return degraded(breaker.getState());
  }

  /** The breaker, for health checks and tests. */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    return viaShared(s -> s.tryConsume(key, limit, tokens), () -> locally(key, limit, tokens), key);
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    return refund(key, limit, tokens, TAKEN_FROM_SHARED);
  }

  /** Gives the tokens back to the store that took them; to Redis later, if it cannot be asked now. */
  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
    if (taken.degraded()) {
      if (failureMode == FailureMode.LOCAL) {
        shares.giveBack(key, tokens);
      }
      return done();
    }
    if (isDegraded()) {
      shares.owe(key, limit, tokens);
      return done();
    }
    return shared.refund(key, limit, tokens).exceptionally(e -> {
      shares.owe(key, limit, tokens);
      return null;
    });
  }

  /** Takes up to {@code tokens} from the shared bucket; while degraded, takes none. */
  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    return viaShared(s -> s.consumeUpTo(key, limit, tokens), () -> 0L, key);
  }

  /** What Redis last confirmed, while Redis decides; a local share's answers are immediate anyway. */
  @Override
  public boolean expectsTokens(BucketKey key, Limit limit, long tokens) {
    return !isDegraded() && shared.expectsTokens(key, limit, tokens);
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    return viaShared(s -> s.snapshot(key, limit), () -> shares.snapshot(key), key);
  }

  /**
   * One maintenance round, run every 250 ms by default: probes Redis while the breaker is open
   * (once its wait is over) or half-open; while it is closed, charges the shared buckets with what
   * the shares handed out and forgets settled shares. Public for tests that drive time themselves.
   */
  public void maintain() {
    CircuitBreaker.State state = breaker.getState();
    if (degraded(state)) {
      probe();
    } else {
      reconcile();
    }
  }

  /** Tells the shared store; local shares keep the limits they were made with until they are settled. */
  @Override
  public void limitsChanged(long version, Set<Limit> inForce) {
    shared.limitsChanged(version, inForce);
  }

  /** Stops the maintenance and closes the shared store. */
  @Override
  public void close() {
    if (maintenance != null) {
      maintenance.shutdownNow();
    }
    shared.close();
  }

  private <T> CompletableFuture<T> viaShared(
      Function<BucketStore, CompletableFuture<T>> call, Supplier<T> fallback, BucketKey key) {
    if (isDegraded() || !breaker.tryAcquirePermission()) {
      return CompletableFuture.completedFuture(fallback.get());
    }
    long start = clock.epochNanos();
    CompletableFuture<T> attempt;
    try {
      attempt = call.apply(shared);
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    return attempt.handle((result, failure) -> {
      long elapsed = clock.epochNanos() - start;
      if (failure == null) {
        breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
        return result;
      }
      Throwable cause = Futures.unwrap(failure);
      breaker.onError(elapsed, TimeUnit.NANOSECONDS, cause);
      (cause instanceof CasContentionException ? contended.get(key.level()) : failures).increment();
      return fallback.get();
    });
  }

  private TokenProbe locally(BucketKey key, Limit limit, long tokens) {
    localDecisions.get(key.level()).increment();
    return switch (failureMode) {
      case LOCAL -> shares.tryConsume(key, limit, tokens, Math.max(1, liveReplicas.getAsInt()),
          lastKnown.tokens(key, limit));
      case OPEN -> new TokenProbe(true, Math.max(0, limit.burst() - tokens), 0, 0, true);
      case CLOSED -> new TokenProbe(false, 0, retryAfterNanos, limit.nanosToRefill(limit.burst()), true);
    };
  }

  /** While open (after its wait) or half-open, a background GET stands in for user requests as the probe. */
  private void probe() {
    if (!breaker.tryAcquirePermission()) {
      return;
    }
    long start = clock.epochNanos();
    CompletableFuture<Optional<BucketSnapshot>> answer;
    try {
      answer = shared.snapshot(PROBE_KEY, PROBE_LIMIT);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((s, failure) -> {
      long elapsed = clock.epochNanos() - start;
      if (failure == null) {
        breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
      } else {
        breaker.onError(elapsed, TimeUnit.NANOSECONDS, Futures.unwrap(failure));
      }
    });
  }

  /** Charges what the shares handed out (or refunds what Redis is owed); a failed charge is kept for the next round. */
  private void reconcile() {
    for (LocalShares.Debt debt : shares.settle(true)) {
      CompletableFuture<?> settled = debt.tokens() > 0
          ? shared.consumeUpTo(debt.key(), debt.limit(), debt.tokens()).thenAccept(taken -> {
              charged.increment(taken);
              forgiven.increment(debt.tokens() - taken);
            })
          : shared.refund(debt.key(), debt.limit(), -debt.tokens()).thenRun(() -> refundedLate.increment(-debt.tokens()));
      settled.exceptionally(e -> {
        shares.restore(debt);
        return null;
      });
    }
  }

  private void maintainQuietly() {
    try {
      maintain();
    } catch (RuntimeException e) {
      log.warn("rate-limit store maintenance failed; retrying in the next round", e);
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
      log.info("Redis is back: rate-limit decisions are shared again; local shares are charged to Redis");
    }
  }

  private static boolean degraded(CircuitBreaker.State state) {
    return state == CircuitBreaker.State.OPEN
        || state == CircuitBreaker.State.HALF_OPEN
        || state == CircuitBreaker.State.FORCED_OPEN;
  }

  private static Counter switches(MeterRegistry registry, String to) {
    return Counter.builder("rate_limit_degraded_switches")
        .description("Switches between shared (Redis) and local rate-limit decisions")
        .tag("to", to)
        .register(registry);
  }

  private static Counter reconciled(MeterRegistry registry, String outcome) {
    return Counter.builder("rate_limit_reconciled_tokens")
        .description("Tokens settled with Redis after local decisions: charged, forgiven (the bucket had "
            + "too few), or refunded (given back while Redis could not be asked)")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** Settings of a {@link DegradingBucketStore}. Not thread-safe; {@link #build()} reads them once. */
  public static final class Builder {
    private final BucketStore shared;
    private LastKnown lastKnown = LastKnown.NONE;
    private FailureMode failureMode = FailureMode.LOCAL;
    private IntSupplier liveReplicas = () -> 1;
    private EpochNanoClock clock = EpochNanoClock.system();
    private Duration slowCallThreshold = Duration.ofMillis(250);
    private CircuitBreakerConfig breakerConfig;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Duration maintenanceInterval = Duration.ofMillis(250);

    private Builder(BucketStore shared) {
      this.shared = Objects.requireNonNull(shared, "shared");
    }

    /** Where shares find the bucket's last known state; default none (shares start empty). */
    public Builder lastKnown(LastKnown lastKnown) {
      this.lastKnown = Objects.requireNonNull(lastKnown, "lastKnown");
      return this;
    }

    /** What local answers are; default {@link FailureMode#LOCAL}. */
    public Builder failureMode(FailureMode failureMode) {
      this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
      return this;
    }

    /** The last known number of live replicas, which sizes the shares; default 1. */
    public Builder liveReplicas(IntSupplier liveReplicas) {
      this.liveReplicas = Objects.requireNonNull(liveReplicas, "liveReplicas");
      return this;
    }

    /** The clock of the shares, the breaker and call durations; default the system clock. */
    public Builder clock(EpochNanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** A call slower than this counts against Redis like a failure; default 250 ms. */
    public Builder slowCallThreshold(Duration threshold) {
      this.slowCallThreshold = Settings.requirePositive("slowCallThreshold", threshold);
      return this;
    }

    /** A breaker of its own instead of {@link #breakerConfig}; mind its clock. */
    public Builder breaker(CircuitBreakerConfig config) {
      this.breakerConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Where the metrics go; default a registry of its own. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** How often {@link #maintain()} runs on a thread of its own; zero for never (tests call it). */
    public Builder maintenanceEvery(Duration interval) {
      this.maintenanceInterval = Settings.requireNotNegative("maintenanceEvery", interval);
      return this;
    }

    public DegradingBucketStore build() {
      return new DegradingBucketStore(this);
    }
  }
}
