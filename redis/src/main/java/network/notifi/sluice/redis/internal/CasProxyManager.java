package network.notifi.sluice.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import network.notifi.sluice.redis.CasContentionException;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.command.CommandAsyncExecutor;

/**
 * Bucket4j's compare-and-swap proxy manager over Redisson, whose compare-and-swap costs one round
 * trip on the common path instead of two (Bucket4j's Redisson backend reads with a GET, then swaps
 * with a script). All token arithmetic stays in Bucket4j; this class only changes how the state is
 * read and swapped:
 *
 * <ul>
 *   <li><b>Remembered state.</b> Per key, the manager remembers the last state Redis confirmed to it
 *       (a read, its own successful swap, or the answer of a lost swap), in a bounded cache. An
 *       operation's first attempt starts from that state instead of a GET. A stale memory cannot
 *       admit anything: the swap compares it with the key's value and loses.
 *   <li><b>A lost swap answers the current state</b> ({@code bucket-cas.lua}); the next attempt
 *       starts from it, so a conflict costs one more round trip, not two.
 *   <li><b>Bounded attempts.</b> At most {@code maxAttempts} attempts per operation, then {@link
 *       CasContentionException} (the library retries without limit).
 * </ul>
 *
 * <p>An operation that writes nothing (Bucket4j does not swap when a consumption is refused) is
 * answered from the state its attempt started from, with no swap to check it. So a remembered state
 * that holds no whole token starts an attempt only while it is younger than {@code refusalMaxAge};
 * an older one is read again first. A refusal from memory can only be too strict, never too lenient:
 * other replicas only take tokens from a bucket, except for refunds, and it misses at most the tokens
 * other replicas gave back within the last {@code refusalMaxAge}.
 *
 * <p>Thread-safe. One operation's attempts run one after another on its future chain.
 */
public final class CasProxyManager extends RedissonBasedProxyManager<String> {

  private static final String CAS_SCRIPT = LuaResource.read("bucket-cas.lua");
  private static final byte[] NO_STATE = new byte[0];

  /** Told about every read and swap, for metrics. Must not block. */
  public interface Listener {
    /** A read of {@code key}'s state: from the remembered state ({@code remembered}), or a GET. */
    void read(String key, boolean remembered);

    /** A compare-and-swap script on {@code key}, won or lost. */
    void swap(String key, boolean won);

    Listener NONE = new Listener() {
      @Override
      public void read(String key, boolean remembered) {}

      @Override
      public void swap(String key, boolean won) {}
    };
  }

  /**
   * A state Redis confirmed at {@code confirmedAtNanos}; {@code state} null when the key was absent.
   * The state is decoded once, when its tokens are first asked for, and each later count refills a
   * copy: a decision asks for the tokens of every level it may ask.
   */
  private static final class Remembered {
    final byte[] state;
    final long confirmedAtNanos;
    // Written at most a few times under a race, always with an equal decoding; never changed after.
    private volatile RemoteBucketState decoded;

    Remembered(byte[] state, long confirmedAtNanos) {
      this.state = state;
      this.confirmedAtNanos = confirmedAtNanos;
    }

    /** The tokens of the remembered state refilled up to {@code nowNanos}; the state must not be null. */
    long availableTokens(long nowNanos) {
      RemoteBucketState d = decoded;
      if (d == null) {
        d = BucketStateCodec.decode(state);
        decoded = d;
      }
      return BucketStateCodec.availableTokens(d, nowNanos);
    }
  }

  private final CommandAsyncExecutor commands;
  private final ExpirationAfterWriteStrategy expiration;
  private final int maxAttempts;
  private final long refusalMaxAgeNanos;
  private final LongSupplier nanoClock;
  private final Listener listener;
  private final Cache<String, Remembered> memory;
  private final LongAdder attempts = new LongAdder();

  /**
   * @param builder Bucket4j's builder, with the client clock and expiration strategy set
   * @param expiration the same expiration strategy as {@code builder}'s (the builder does not expose it)
   * @param maxAttempts attempts per operation before {@link CasContentionException}
   * @param remembered how many keys' states are remembered at most
   * @param refusalMaxAge how old a remembered state with no whole token may be and still start an attempt
   * @param nanoClock the buckets' clock (epoch nanos), which also dates what is remembered
   */
  public CasProxyManager(
      Bucket4jRedisson.RedissonBasedProxyManagerBuilder<String> builder,
      ExpirationAfterWriteStrategy expiration,
      int maxAttempts,
      int remembered,
      Duration refusalMaxAge,
      LongSupplier nanoClock,
      Listener listener) {
    super(builder);
    this.commands = builder.getCommandExecutor();
    this.expiration = Objects.requireNonNull(expiration, "expiration");
    this.maxAttempts = maxAttempts;
    this.refusalMaxAgeNanos = refusalMaxAge.toNanos();
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.memory = Caffeine.newBuilder()
        .maximumSize(remembered)
        .expireAfterWrite(Duration.ofSeconds(10))
        // Maintenance on the calling thread: the default executor wakes a pool thread on every write.
        .executor(Runnable::run)
        .build();
  }

  /** Attempts made so far (reads of a state, remembered or not), for metrics and tests. */
  public long attempts() {
    return attempts.sum();
  }

  /**
   * The tokens {@code key}'s bucket held when Redis last confirmed its state to this replica,
   * refilled up to now; {@code whenAbsent} if Redis confirmed the key did not exist (a full bucket);
   * empty if this replica remembers nothing of it.
   */
  public OptionalLong lastKnownTokens(String key, long whenAbsent) {
    Remembered r = memory.getIfPresent(key);
    if (r == null) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(r.state == null ? whenAbsent : r.availableTokens(nanoClock.getAsLong()));
  }

  @Override
  protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String key) {
    return new Operation(key, memory.getIfPresent(key));
  }

  /** Not used by Sluice (its stores are asynchronous); bounded like the asynchronous path. */
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

  /**
   * Whether {@code r} may start an attempt without a read: when the attempt will swap (a new bucket,
   * or a state with a token to take: the swap checks it), or when it is recent enough to refuse on.
   */
  private boolean usable(Remembered r) {
    if (r.state == null) {
      return true;
    }
    long now = nanoClock.getAsLong();
    return now - r.confirmedAtNanos <= refusalMaxAgeNanos || r.availableTokens(now) >= 1;
  }

  private Remembered remember(String key, byte[] state, long confirmedAtNanos) {
    var r = new Remembered(state, confirmedAtNanos);
    memory.put(key, r);
    return r;
  }

  /** One Bucket4j operation on one key: its attempts run one after another, never concurrently. */
  private final class Operation implements AsyncCompareAndSwapOperation {
    private final String key;
    private int made;
    // Where the next attempt starts: the remembered state, or the answer of the swap just lost.
    private Remembered next;

    Operation(String key, Remembered remembered) {
      this.key = key;
      this.next = remembered;
    }

    @Override
    public CompletableFuture<Optional<byte[]>> getStateData(Optional<Long> timeoutNanos) {
      if (++made > maxAttempts) {
        return CompletableFuture.failedFuture(new CasContentionException(key, maxAttempts));
      }
      attempts.increment();
      Remembered start = next;
      next = null;
      if (start != null && usable(start)) {
        listener.read(key, true);
        return CompletableFuture.completedFuture(Optional.ofNullable(start.state));
      }
      listener.read(key, false);
      long sentAt = nanoClock.getAsLong();
      return commands.<Object, byte[]>readAsync(key, ByteArrayCodec.INSTANCE, RedisCommands.GET, key)
          .toCompletableFuture()
          .thenApply(state -> {
            remember(key, state, sentAt);
            return Optional.ofNullable(state);
          });
    }

    @Override
    public CompletableFuture<Boolean> compareAndSwap(
        byte[] originalData, byte[] newData, RemoteBucketState newState, Optional<Long> timeoutNanos) {
      long ttlMillis = Math.max(0, expiration.calculateTimeToLiveMillis(newState, currentTimeNanos()));
      long sentAt = nanoClock.getAsLong();
      CompletableFuture<List<Object>> answer = commands.<List<Object>, List<Object>>evalWriteAsync(
              key, ByteArrayCodec.INSTANCE, RedisCommands.EVAL_LIST, CAS_SCRIPT, List.of(key),
              originalData == null ? "0" : "1", originalData == null ? NO_STATE : originalData, newData,
              Long.toString(ttlMillis))
          .toCompletableFuture();
      return answer.thenApply(reply -> {
        boolean won = ((Number) reply.get(0)).longValue() == 1;
        listener.swap(key, won);
        if (won) {
          remember(key, newData, sentAt);
        } else {
          next = remember(key, reply.size() > 1 ? (byte[]) reply.get(1) : null, sentAt);
        }
        return won;
      });
    }
  }
}
