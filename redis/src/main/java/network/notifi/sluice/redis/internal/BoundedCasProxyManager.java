package network.notifi.sluice.redis.internal;

import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import network.notifi.sluice.redis.CasContentionException;

/**
 * Bucket4j's Redisson compare-and-swap proxy manager with a bound on attempts per operation (the
 * library retries a lost CAS without limit). Each attempt is one GET and one conditional SET; once
 * {@code maxAttempts} reads have been made for one operation, the next one fails with {@link
 * CasContentionException}. Counts every attempt, for metrics and benchmarks. Thread-safe.
 */
public final class BoundedCasProxyManager extends RedissonBasedProxyManager<String> {

  private final int maxAttempts;
  private final LongAdder attempts = new LongAdder();

  public BoundedCasProxyManager(Bucket4jRedisson.RedissonBasedProxyManagerBuilder<String> builder, int maxAttempts) {
    super(builder);
    this.maxAttempts = maxAttempts;
  }

  /** CAS attempts (reads of bucket state) made so far. */
  public long attempts() {
    return attempts.sum();
  }

  @Override
  protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String key) {
    AsyncCompareAndSwapOperation delegate = super.beginAsyncCompareAndSwapOperation(key);
    return new AsyncCompareAndSwapOperation() {
      // One operation's attempts run one after another on its future chain.
      private int made;

      @Override
      public CompletableFuture<Optional<byte[]>> getStateData(Optional<Long> timeoutNanos) {
        if (++made > maxAttempts) {
          return CompletableFuture.failedFuture(new CasContentionException(key, maxAttempts));
        }
        attempts.increment();
        return delegate.getStateData(timeoutNanos);
      }

      @Override
      public CompletableFuture<Boolean> compareAndSwap(
          byte[] originalData, byte[] newData, RemoteBucketState newState, Optional<Long> timeoutNanos) {
        return delegate.compareAndSwap(originalData, newData, newState, timeoutNanos);
      }
    };
  }

  @Override
  protected CompareAndSwapOperation beginCompareAndSwapOperation(String key) {
    CompareAndSwapOperation delegate = super.beginCompareAndSwapOperation(key);
    return new CompareAndSwapOperation() {
      private int made;

      @Override
      public Optional<byte[]> getStateData(Optional<Long> timeoutNanos) {
        if (++made > maxAttempts) {
          throw new CasContentionException(key, maxAttempts);
        }
        attempts.increment();
        return delegate.getStateData(timeoutNanos);
      }

      @Override
      public boolean compareAndSwap(
          byte[] originalData, byte[] newData, RemoteBucketState newState, Optional<Long> timeoutNanos) {
        return delegate.compareAndSwap(originalData, newData, newState, timeoutNanos);
      }
    };
  }
}
