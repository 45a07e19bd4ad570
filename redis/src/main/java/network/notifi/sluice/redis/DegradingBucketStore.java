package network.notifi.sluice.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import network.notifi.sluice.redis.internal.DegradedModeMetrics;
import network.notifi.sluice.redis.internal.LocalShares;
import network.notifi.sluice.redis.internal.SharedStoreBreaker;
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
 * <p>Metrics: {@link DegradedModeMetrics} (gauge {@code rate_limit_degraded} is 1 while answers are
 * local). Every switch is logged. Thread-safe; no method blocks.
 */
public final class DegradingBucketStore implements BucketStore {

  private static final Logger log = LoggerFactory.getLogger(DegradingBucketStore.class);
  private static final BucketKey PROBE_KEY = BucketKey.GLOBAL;
  private static final Limit PROBE_LIMIT = Limit.of(1, 1);
  /** Shares held at most (third parties beyond it are answered without one). */
  static final int MAX_SHARES = 24_000;
  private static final TokenProbe TAKEN_FROM_SHARED = new TokenProbe(true, 0, 0, 0, false);

  private final BucketStore shared;
  private final FailureMode failureMode;
  private final IntSupplier liveReplicas;
  private final SharedStoreBreaker breaker;
  private final LocalShares shares;
  private final DegradedModeMetrics metrics;
  private final ScheduledExecutorService maintenance;

  DegradingBucketStore(DegradingBucketStoreBuilder b) {
    this.shared = b.shared;
    this.failureMode = b.failureMode;
    this.liveReplicas = b.liveReplicas;
    this.breaker = new SharedStoreBreaker(
        b.breakerConfig != null ? b.breakerConfig : SharedStoreBreaker.config(b.slowCallThreshold, b.clock), b.clock);
    this.shares = new LocalShares(b.clock::epochNanos, MAX_SHARES);
    this.metrics = new DegradedModeMetrics(b.registry, this::isDegraded);
    breaker.breaker().getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition()));
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
  public static DegradingBucketStoreBuilder builder(BucketStore shared) {
    return new DegradingBucketStoreBuilder(shared);
  }

  /**
   * The production wiring: {@code shared}'s last known states seed the shares, {@code
   * config.failureMode()}, a slow-call threshold of half {@code config.decisionTimeout()}.
   */
  public static DegradingBucketStore create(
      RedisBucketStore shared, RedisConfig config, IntSupplier liveReplicas, EpochNanoClock clock,
      MeterRegistry registry) {
    return builder(shared)
        .failureMode(config.failureMode())
        .liveReplicas(liveReplicas)
        .clock(clock)
        .slowCallThreshold(config.decisionTimeout().dividedBy(2))
        .meterRegistry(registry)
        .build();
  }

  /** Whether decisions are answered locally now. */
  public boolean isDegraded() {
    return breaker.isOpen();
  }

  /** The breaker, for health checks and tests. */
  public CircuitBreaker circuitBreaker() {
    return breaker.breaker();
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    return viaShared(() -> shared.tryConsume(key, limit, tokens), () -> locally(key, limit, tokens), key);
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
    return viaShared(() -> shared.consumeUpTo(key, limit, tokens), () -> 0L, key);
  }

  /** What Redis last confirmed, while Redis decides; a local share's answers are immediate anyway. */
  @Override
  public OptionalLong expectedTokens(BucketKey key, Limit limit) {
    return isDegraded() ? OptionalLong.empty() : shared.expectedTokens(key, limit);
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    return viaShared(() -> shared.snapshot(key, limit), () -> shares.snapshot(key), key);
  }

  /**
   * One maintenance round, run every 250 ms by default: probes Redis while the breaker is open
   * (once its wait is over) or half-open; while it is closed, charges the shared buckets with what
   * the shares handed out and forgets settled shares. Public for tests that drive time themselves.
   */
  public void maintain() {
    if (isDegraded()) {
      breaker.probe(() -> shared.snapshot(PROBE_KEY, PROBE_LIMIT));
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

  private <T> CompletableFuture<T> viaShared(Supplier<CompletableFuture<T>> call, Supplier<T> fallback, BucketKey key) {
    return breaker.call(call, fallback,
        failure -> metrics.failed(key.level(), failure instanceof CasContentionException));
  }

  private TokenProbe locally(BucketKey key, Limit limit, long tokens) {
    metrics.answeredLocally(key.level());
    return switch (failureMode) {
      case LOCAL -> shares.tryConsume(key, limit, tokens, liveReplicas, () -> shared.expectedTokens(key, limit));
      case OPEN -> new TokenProbe(true, Math.max(0, limit.burst() - tokens), 0, 0, true);
      case CLOSED -> new TokenProbe(false, 0, breaker.retryAfterNanos(), limit.nanosToRefill(limit.burst()), true);
    };
  }

  /** Charges what the shares handed out (or refunds what Redis is owed); a failed charge is kept for the next round. */
  private void reconcile() {
    for (LocalShares.Debt debt : shares.settle(true)) {
      CompletableFuture<?> settled = debt.tokens() > 0
          ? shared.consumeUpTo(debt.key(), debt.limit(), debt.tokens())
              .thenAccept(taken -> metrics.charged(debt.tokens(), taken))
          : shared.refund(debt.key(), debt.limit(), -debt.tokens()).thenRun(() -> metrics.refundedLate(-debt.tokens()));
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
    boolean wasDegraded = SharedStoreBreaker.isOpen(transition.getFromState());
    boolean nowDegraded = SharedStoreBreaker.isOpen(transition.getToState());
    if (!wasDegraded && nowDegraded) {
      metrics.switchedToDegraded();
      log.warn("Redis unavailable: rate-limit decisions are now local (failure_mode {}, {} live replicas)",
          failureMode, liveReplicas.getAsInt());
    } else if (wasDegraded && !nowDegraded) {
      metrics.switchedToShared();
      log.info("Redis is back: rate-limit decisions are shared again; local shares are charged to Redis");
    }
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
