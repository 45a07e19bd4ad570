package network.notifi.sluice.redis;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.Bucket4jSupport;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import network.notifi.sluice.redis.internal.BucketStateCodec;
import network.notifi.sluice.redis.internal.CasProxyManager;
import network.notifi.sluice.redis.internal.CommandCounters;
import network.notifi.sluice.redis.internal.KeySchema;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Token buckets shared by every replica, in Redis (standalone or cluster), on Bucket4j's Redisson
 * compare-and-swap proxy manager. The Redisson backend's one entry point.
 *
 * <h2>Keys</h2>
 * {@code sluice:rl:{global}}, {@code sluice:rl:{ep:<name>}}, {@code sluice:rl:{tp:<id>}} and {@code
 * sluice:rl:{anon}} (prefix configurable). Names and ids are percent-encoded, so no id can choose a
 * cluster slot, a glob or another bucket's key. Each key expires once its bucket would have refilled
 * to full, plus 10 s.
 *
 * <h2>Time</h2>
 * Bucket4j refills with the client's clock; every replica must use the same one, so pass a {@link
 * RedisTimeClock} in production.
 *
 * <h2>Round trips</h2>
 * An operation is Bucket4j's read, compute, compare-and-swap, run by a {@link CasProxyManager}: it
 * starts from the state this replica last saw confirmed for the key, so a decision that takes a token
 * is one round trip (the swap script) while this replica's memory of the bucket is current, and a
 * lost swap answers the current state, so each conflict costs one more. A refusal is answered from a
 * remembered state without any command while that state is younger than {@code refusalMaxAge} (100
 * ms by default); it can miss tokens that other replicas gave back in that time, never admit more
 * than the bucket holds.
 *
 * <h2>Contention</h2>
 * A lost compare-and-swap is retried at most {@code maxCasAttempts} times per operation (then {@link
 * CasContentionException}), and the whole operation fails with a {@link
 * TimeoutException} after {@code decisionTimeout}. The global and
 * endpoint buckets, which every request hits, go through a per-process proxy with a {@link
 * HotKeyOptimization} (batching by default: concurrent requests for one key are merged into one CAS,
 * exactly, with no overshoot). Third-party buckets are always batched, through a bounded cache of
 * proxies (10,000, idle 5 s), so that one third party's flood costs at most one CAS in flight per
 * replica. {@link BucketProxies} picks the proxy; the settings are in {@link
 * RedisBucketStoreBuilder}.
 *
 * <h2>Hot-key leases (opt-in)</h2>
 * With {@code redis.hot_key_leases.tokens} set, the global and endpoint buckets are handed out from
 * leases of that many tokens ({@link HotKeyLeases}), at a bounded overshoot; off by default.
 *
 * <p>Thread-safe. No method blocks: futures complete on Redisson's threads. Closing the store does
 * not shut the client down; its owner does.
 */
public final class RedisBucketStore implements BucketStore {

  /**
   * What the process-wide proxies of the global and endpoint buckets do to avoid CAS storms. Both are
   * exact. Bucket4j's delaying and predicting optimizations, which can admit more than a bucket
   * holds, are not offered: an over-admitting mode would have to be opt-in in the configuration, with
   * its bound tested and shown in {@code /ratelimits} (docs/scale-out.md describes token leasing).
   */
  public enum HotKeyOptimization {
    /** One CAS per request. Collapses under concurrency on one key. */
    NONE,
    /**
     * Concurrent requests for a key wait for the CAS in flight and are then applied together in one.
     * Exact: never admits more than an unoptimized store would.
     */
    BATCHING
  }

  private final KeySchema keys;
  private final EpochNanoClock clock;
  private final RedissonClient client;
  private final CasProxyManager casManager;
  private final BucketProxies proxies;
  private final long decisionTimeoutNanos;
  private final Map<Level, Counter> abandonedApplied = new EnumMap<>(Level.class);
  /** Token leases of the global and endpoint buckets, and their give-back round; null when off. */
  private final HotKeyLeases leases;
  private final ScheduledExecutorService leaseReturns;

  /**
   * How many buckets' states a replica remembers: about 300 bytes each, 216 more once decoded to count
   * its tokens (JOL), about 8.5 MB at most.
   */
  static final int REMEMBERED_KEYS = 16_384;

  RedisBucketStore(RedisBucketStoreBuilder b) {
    this.keys = new KeySchema(b.keyPrefix);
    this.clock = b.clock;
    this.client = b.client;
    this.decisionTimeoutNanos = b.decisionTimeout.toNanos();
    var expiration = ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(b.keepIdleFull);
    var builder = Bucket4jRedisson.casBasedBuilder(((Redisson) b.client).getCommandExecutor())
        .expirationAfterWrite(expiration)
        .clientClock(Bucket4jSupport.timeMeter(b.clock));
    for (Level level : Level.values()) {
      abandonedApplied.put(level, Counter.builder("rate_limit_abandoned_applied")
          .description("Bucket operations given up on (decision timeout) that Redis applied later; their tokens were given back")
          .tag("limit_type", level.code())
          .register(b.registry));
    }
    this.casManager = new CasProxyManager(builder, expiration, b.maxCasAttempts, REMEMBERED_KEYS,
        b.refusalMaxAge, b.clock::epochNanos, new CommandCounters(keys, b.registry));
    this.proxies = new BucketProxies(casManager.asAsync(), keys, b.hotKeys);
    if (b.hotKeyLeases.enabled()) {
      this.leases = new HotKeyLeases(b.hotKeyLeases, b.clock::epochNanos,
          new HotKeyLeases.SharedBucket() {
            @Override
            public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
              return consumeShared(key, limit, tokens);
            }

            @Override
            public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
              return RedisBucketStore.this.refund(key, limit, tokens);
            }
          }, b.registry);
      this.leaseReturns =
          Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-redis-lease-returns"));
      long every = Math.max(1, b.hotKeyLeases.maxAge().toMillis());
      leaseReturns.scheduleWithFixedDelay(leases::giveBackExpired, every, every, TimeUnit.MILLISECONDS);
    } else {
      this.leases = null;
      this.leaseReturns = null;
    }
  }

  /** A builder over {@code client}; see its setters for the defaults. */
  public static RedisBucketStoreBuilder builder(RedissonClient client) {
    return new RedisBucketStoreBuilder(client);
  }

  /** A store with the prefix, timeouts and CAS bound of {@code config}, on {@code clock}. */
  public static RedisBucketStore create(RedissonClient client, RedisConfig config, EpochNanoClock clock) {
    return create(client, config, clock, new SimpleMeterRegistry());
  }

  /** As {@link #create(RedissonClient, RedisConfig, EpochNanoClock)}, counting its commands in {@code registry}. */
  public static RedisBucketStore create(
      RedissonClient client, RedisConfig config, EpochNanoClock clock, MeterRegistry registry) {
    return builder(client)
        .keyPrefix(config.keyPrefix())
        .decisionTimeout(config.decisionTimeout())
        .maxCasAttempts(config.maxCasAttempts())
        .hotKeyLeases(config.hotKeyLeases())
        .clock(clock)
        .meterRegistry(registry)
        .build();
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    if (leased(key)) {
      return leases.tryConsume(key, limit, tokens);
    }
    return consumeShared(key, limit, tokens);
  }

  /** Whether {@code key}'s bucket is handed out from leases here. */
  private boolean leased(BucketKey key) {
    return leases != null && HotKeyLeases.leased(key);
  }

  /** One operation on the shared bucket, exact: the path of every bucket that is not leased. */
  private CompletableFuture<TokenProbe> consumeShared(BucketKey key, Limit limit, long tokens) {
    CompletableFuture<ConsumptionProbe> attempt = proxies.proxy(key, limit).tryConsumeAndReturnRemaining(tokens);
    CompletableFuture<ConsumptionProbe> answer = bounded(attempt);
    answer.whenComplete((probe, failure) -> {
      // orTimeout fails the future with the TimeoutException itself, not wrapped.
      if (failure instanceof TimeoutException) {
        // The caller has given up on this decision (and answered it elsewhere); if Redis applies it
        // later, its tokens are given back so that they are not taken twice.
        attempt.thenAccept(late -> {
          if (late.isConsumed()) {
            abandonedApplied.get(key.level()).increment();
            proxies.proxy(key, limit).addTokens(tokens);
          }
        });
      }
    });
    return answer.thenApply(Bucket4jSupport::toProbe);
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    return bounded(proxies.proxy(key, limit).addTokens(tokens));
  }

  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    return bounded(proxies.proxy(key, limit).tryConsumeAsMuchAsPossible(tokens));
  }

  /**
   * The tokens of {@code key}'s bucket as Redis last confirmed them to this replica (within the
   * last 10 s), refilled up to now; empty when this replica has no recent state of the bucket.
   * Degraded mode starts its local shares from it too.
   */
  @Override
  public OptionalLong expectedTokens(BucketKey key, Limit limit) {
    if (leased(key)) {
      OptionalLong leased = leases.expectedTokens(key, limit);
      if (leased.isPresent()) {
        return leased;
      }
    }
    return casManager.lastKnownTokens(keys.bucketKey(key), limit.burst());
  }

  /** Reads the bucket's state with one GET; does not create or touch the bucket. */
  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    CompletionStage<byte[]> raw = client.<byte[]>getBucket(keys.bucketKey(key), ByteArrayCodec.INSTANCE).getAsync();
    return bounded(raw).thenApply(bytes -> Optional.ofNullable(bytes).map(b -> {
      var state = BucketStateCodec.decode(b, clock.epochNanos());
      Optional<BucketSnapshot.Lease> lease = leased(key)
          ? Optional.of(new BucketSnapshot.Lease(leases.tokensPerLease(), leases.maxAge(), leases.held(key)))
          : Optional.empty();
      return new BucketSnapshot(key, state.availableTokens(), state.capacity(), lease);
    }));
  }

  /** The Redis key of {@code key}'s bucket. */
  public String redisKey(BucketKey key) {
    return keys.bucketKey(key);
  }

  /**
   * Compare-and-swap attempts made so far (each starts from a read, from Redis or from memory, and
   * may end with a swap); for tests and benchmarks.
   */
  public long casAttempts() {
    return casManager.attempts();
  }

  /** The clock buckets refill with. */
  public EpochNanoClock clock() {
    return clock;
  }

  /**
   * From now on a bucket used with a limit in {@code inForce} whose state carries an older version
   * (or none) takes that limit, keeping its tokens up to the new capacity: Bucket4j's implicit
   * configuration replacement, the version stored with the bucket's state. A limit not in force, from
   * a decision that started before the change, replaces nothing.
   */
  @Override
  public void limitsChanged(long version, Set<Limit> inForce) {
    proxies.limitsChanged(version, inForce);
    if (leases != null) {
      leases.giveBackAll();
    }
  }

  /** Gives back what leases older than their maximum age hold; run every maximum age. For tests that move time. */
  void giveBackExpiredLeases() {
    if (leases != null) {
      leases.giveBackExpired();
    }
  }

  /** Stops the leases' give-back round and gives back what they hold; the client stays open. */
  @Override
  public void close() {
    if (leaseReturns != null) {
      leaseReturns.shutdownNow();
      leases.giveBackAll();
    }
  }

  private <T> CompletableFuture<T> bounded(CompletionStage<T> stage) {
    // A dependent future, so that the timeout never completes a future the library owns.
    return stage.toCompletableFuture()
        .thenApply(v -> v)
        .orTimeout(decisionTimeoutNanos, TimeUnit.NANOSECONDS);
  }
}
