package network.notifi.sluice.limiter.inprocess;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.local.LockFreeBucket;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.Bucket4jSupport;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * Token buckets in this process, on Bucket4j local buckets. The embedded default, and the fallback
 * when a shared store is unreachable.
 *
 * <p>Global and endpoint buckets are few and fixed by configuration; they are kept for the life of
 * the store. Third-party buckets are created on first use and held in a bounded cache:
 *
 * <ul>
 *   <li>a bucket is forgotten once it has been idle long enough to refill to full, which is lossless:
 *       a new bucket starts full too;
 *   <li>at most {@code maxThirdParties} are held. A flood of distinct ids beyond that evicts the least
 *       recently used buckets, which then start full again when they come back; the global and
 *       endpoint levels still bound the total, so memory stays bounded at the price of per-party
 *       accuracy for the evicted ones.
 * </ul>
 *
 * <p>Thread-safe; every call completes before it returns.
 */
public final class InProcessBucketStore implements BucketStore {

  /** The default bound on third-party buckets held at once. */
  public static final int DEFAULT_MAX_THIRD_PARTIES = 24_000;

  private final TimeMeter timeMeter;
  private final ConcurrentMap<BucketKey, LocalBucket> fixedBuckets = new ConcurrentHashMap<>();
  private final Cache<BucketKey, LocalBucket> thirdParties;
  // One configuration per limit, shared by all its buckets: a copy per bucket would cost ~100 bytes each.
  private final ConcurrentMap<Limit, BucketConfiguration> configurations = new ConcurrentHashMap<>();
  private volatile Set<Limit> inForce = Set.of();

  private InProcessBucketStore(EpochNanoClock clock, long maxThirdParties) {
    if (maxThirdParties < 1) {
      throw new IllegalArgumentException("maxThirdParties must be >= 1, was " + maxThirdParties);
    }
    this.timeMeter = Bucket4jSupport.timeMeter(clock);
    this.thirdParties =
        Caffeine.newBuilder()
            .maximumSize(maxThirdParties)
            .ticker(clock::epochNanos)
            .executor(Runnable::run)
            .expireAfter(new IdleUntilFull())
            .build();
  }

  /** A store on the system clock holding at most {@link #DEFAULT_MAX_THIRD_PARTIES} third parties. */
  public static InProcessBucketStore create() {
    return create(EpochNanoClock.system(), DEFAULT_MAX_THIRD_PARTIES);
  }

  public static InProcessBucketStore create(EpochNanoClock clock, long maxThirdParties) {
    return new InProcessBucketStore(clock, maxThirdParties);
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    var probe = bucket(key, limit).tryConsumeAndReturnRemaining(tokens);
    return CompletableFuture.completedFuture(Bucket4jSupport.toProbe(probe));
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    bucket(key, limit).addTokens(tokens);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    return CompletableFuture.completedFuture(bucket(key, limit).tryConsumeAsMuchAsPossible(tokens));
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    LocalBucket bucket =
        key.level() == Level.THIRD_PARTY ? thirdParties.getIfPresent(key) : fixedBuckets.get(key);
    return CompletableFuture.completedFuture(
        Optional.ofNullable(bucket)
            .map(b -> new BucketSnapshot(key, b.getAvailableTokens(), limit.burst())));
  }

  /** A bucket used with a limit in {@code inForce} that it does not have yet takes it, keeping its tokens. */
  @Override
  public void limitsChanged(long version, Set<Limit> inForce) {
    this.inForce = Set.copyOf(inForce);
  }

  /** Third-party buckets held now, after evicting the expired ones. */
  public long thirdPartyCount() {
    thirdParties.cleanUp();
    return thirdParties.estimatedSize();
  }

  private LocalBucket bucket(BucketKey key, Limit limit) {
    var configuration = configurations.computeIfAbsent(limit, Bucket4jSupport::configurationFor);
    LocalBucket bucket = key.level() == Level.THIRD_PARTY
        ? thirdParties.get(key, k -> newBucket(configuration))
        : fixedBuckets.computeIfAbsent(key, k -> newBucket(configuration));
    // One configuration object per limit, so another object means another limit; only one in force
    // replaces it, not one of a decision that started before the change.
    if (bucket.getConfiguration() != configuration && inForce.contains(limit)) {
      bucket.replaceConfiguration(configuration, TokensInheritanceStrategy.AS_IS);
    }
    return bucket;
  }

  private LocalBucket newBucket(BucketConfiguration configuration) {
    return new LockFreeBucket(configuration, MathType.INTEGER_64_BITS, timeMeter, BucketListener.NOPE);
  }

  /** Forget a third-party bucket once it has been idle for the time it takes to refill from empty. */
  private static final class IdleUntilFull implements Expiry<BucketKey, LocalBucket> {
    @Override
    public long expireAfterCreate(BucketKey key, LocalBucket bucket, long now) {
      Bandwidth bandwidth = bucket.getConfiguration().getBandwidths()[0];
      long capacity = bandwidth.getCapacity();
      long tokens = bandwidth.getRefillTokens();
      long period = bandwidth.getRefillPeriodNanos();
      // Time to refill the whole capacity, rounded up so that a bucket is never forgotten early.
      return (capacity / tokens) * period + ceilDiv((capacity % tokens) * period, tokens);
    }

    @Override
    public long expireAfterUpdate(BucketKey key, LocalBucket bucket, long now, long remaining) {
      return expireAfterCreate(key, bucket, now);
    }

    @Override
    public long expireAfterRead(BucketKey key, LocalBucket bucket, long now, long remaining) {
      return expireAfterCreate(key, bucket, now);
    }

    private static long ceilDiv(long a, long b) {
      return a / b + (a % b == 0 ? 0 : 1);
    }
  }
}
