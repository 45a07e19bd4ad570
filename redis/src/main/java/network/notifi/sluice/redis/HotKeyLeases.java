package network.notifi.sluice.redis;

import java.time.Duration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * Opt-in token leases of the global and endpoint buckets: a replica takes {@code tokens} from the
 * shared bucket in one operation and hands them out from memory for at most {@code maxAge}, then
 * gives back what is left. Off unless {@code redis.hot_key_leases.tokens} is set.
 *
 * <h2>What it may admit</h2>
 * Every token handed out was taken from the shared bucket at most {@code maxAge} before (a lease is
 * dated when its operation is sent, before Redis applies it). So in any window of length {@code T} a
 * bucket admits at most {@code burst + rate × (T + maxAge)}, plus what leases taken before the window
 * give back during it: at most {@code rate × maxAge + replicas × tokens} more than an exact bucket.
 * What a lease did not hand out within {@code maxAge} goes back to the shared bucket (the next lease
 * of the bucket, or a round every {@code maxAge}); until then other replicas may be refused those
 * tokens: under-admission of at most {@code replicas × tokens}, for at most about twice {@code maxAge}.
 *
 * <h2>Scarce tokens are exact</h2>
 * A lease is taken only when the bucket holds a whole lease ({@code tryConsume(tokens)}, never
 * fewer); otherwise the request takes its own token through the exact path. Near the limit, where an
 * overshoot would be felt, every decision is the shared bucket's.
 *
 * <p>Requests that find no token in the lease wait for one lease operation in flight, not one each.
 * Tokens given back ({@code refund}) always go to the shared bucket, so no token is handed out later
 * than {@code maxAge} after it was taken. Thread-safe; no call blocks.
 */
final class HotKeyLeases {

  /** How one bucket operation is sent to the shared bucket: the store's exact path. */
  interface SharedBucket {
    CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens);

    CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens);
  }

  /** The leases of one bucket under one limit. */
  private record LeaseKey(BucketKey key, Limit limit) {}

  /** A lease and the operation taking the next one; guarded by its own monitor. */
  private static final class Lease {
    long left;
    long takenAtNanos;
    long sharedLeft;
    long nanosToFull;
    CompletableFuture<Boolean> taking;
    /** Given back for good (the limits changed, or the store closed): hands out nothing, takes nothing. */
    boolean retired;

    boolean live(long now, long maxAgeNanos) {
      return left > 0 && now - takenAtNanos < maxAgeNanos;
    }

    /** Holds tokens it may no longer hand out. */
    boolean expired(long now, long maxAgeNanos) {
      return left > 0 && !live(now, maxAgeNanos);
    }

    TokenProbe handOut(long tokens) {
      left -= tokens;
      return new TokenProbe(true, left + sharedLeft, 0, nanosToFull);
    }
  }

  private final long tokensPerLease;
  private final long maxAgeNanos;
  private final LongSupplier nanoClock;
  private final SharedBucket shared;
  private final Map<LeaseKey, Lease> leases = new ConcurrentHashMap<>();
  private final Map<Level, Counter> taken = new EnumMap<>(Level.class);
  private final Map<Level, Counter> givenBack = new EnumMap<>(Level.class);

  /** Leases as {@code config} sets them (validated there); {@code config} must be enabled. */
  HotKeyLeases(RedisConfig.HotKeyLeaseConfig config, LongSupplier nanoClock, SharedBucket shared,
      MeterRegistry registry) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("hot-key leases are off: " + config);
    }
    this.tokensPerLease = config.tokens();
    this.maxAgeNanos = config.maxAge().toNanos();
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.shared = Objects.requireNonNull(shared, "shared");
    for (Level level : List.of(Level.GLOBAL, Level.ENDPOINT)) {
      taken.put(level, Counter.builder("rate_limit_leases")
          .description("Token leases this replica took from a shared bucket (redis.hot_key_leases)")
          .tag("limit_type", level.code())
          .register(registry));
      givenBack.put(level, Counter.builder("rate_limit_lease_tokens_given_back")
          .description("Tokens of leases this replica gave back to the shared bucket unused")
          .tag("limit_type", level.code())
          .register(registry));
      Gauge.builder("rate_limit_lease_tokens_held", () -> held(k -> k.level() == level))
          .description("Tokens this replica holds in leases now, not yet handed out")
          .tag("limit_type", level.code())
          .register(registry);
    }
  }

  /** Whether {@code key}'s bucket is leased: the global and endpoint buckets. */
  static boolean leased(BucketKey key) {
    return key.level() == Level.GLOBAL || key.level() == Level.ENDPOINT;
  }

  /** Tokens one lease takes. */
  long tokensPerLease() {
    return tokensPerLease;
  }

  /** How long a lease's tokens may be handed out. */
  Duration maxAge() {
    return Duration.ofNanos(maxAgeNanos);
  }

  /**
   * Takes {@code tokens} from this replica's lease of the bucket, taking a new lease when it holds too
   * few. A request waits for at most one lease operation; if others emptied the new lease first, it
   * takes its own token exactly: at most two operations per request.
   */
  CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    if (tokens > leaseSize(limit)) {
      return shared.tryConsume(key, limit, tokens);
    }
    Lease lease = leases.computeIfAbsent(new LeaseKey(key, limit), k -> new Lease());
    CompletableFuture<Boolean> taking;
    synchronized (lease) {
      if (lease.retired) {
        // Found just before giveBackAll forgot it: this request is decided as if it had come after.
        return shared.tryConsume(key, limit, tokens);
      }
      TokenProbe fromLease = handOut(lease, tokens);
      if (fromLease != null) {
        return CompletableFuture.completedFuture(fromLease);
      }
      if (lease.taking == null || lease.taking.isDone()) {
        lease.taking = takeLease(lease, key, limit);
      }
      taking = lease.taking;
    }
    // A failed lease operation fails the requests that waited for it, as the exact path would.
    return taking.thenCompose(filled -> {
      if (filled) {
        synchronized (lease) {
          TokenProbe fromLease = handOut(lease, tokens);
          if (fromLease != null) {
            return CompletableFuture.completedFuture(fromLease);
          }
        }
      }
      return shared.tryConsume(key, limit, tokens);
    });
  }

  /** Tokens one lease of a bucket under {@code limit} takes: never more than the bucket holds when full. */
  private long leaseSize(Limit limit) {
    return Math.min(tokensPerLease, limit.burst());
  }

  /** {@code tokens} from a live lease, or null; called under its monitor. */
  private TokenProbe handOut(Lease lease, long tokens) {
    return lease.live(nanoClock.getAsLong(), maxAgeNanos) && lease.left >= tokens ? lease.handOut(tokens) : null;
  }

  /**
   * Takes a new lease of {@code key}'s bucket, after giving back what the old one holds; completes with
   * whether the bucket held a whole lease. A lease that arrives after the lease was retired goes
   * straight back, and its waiters take their tokens exactly. Called under the lease's monitor.
   */
  private CompletableFuture<Boolean> takeLease(Lease lease, BucketKey key, Limit limit) {
    giveBack(lease, key, limit);
    long size = leaseSize(limit);
    long sentAt = nanoClock.getAsLong();
    return shared.tryConsume(key, limit, size).thenApply(probe -> {
      if (!probe.consumed()) {
        return false;
      }
      taken.get(key.level()).increment();
      synchronized (lease) {
        lease.left = size;
        lease.takenAtNanos = sentAt;
        lease.sharedLeft = probe.remaining();
        lease.nanosToFull = probe.nanosToFull();
        if (lease.retired) {
          giveBack(lease, key, limit);
          return false;
        }
      }
      return true;
    });
  }

  /** Gives the shared bucket what {@code lease} holds; called under its monitor. */
  private void giveBack(Lease lease, BucketKey key, Limit limit) {
    if (lease.left > 0) {
      long left = lease.left;
      lease.left = 0;
      givenBack.get(key.level()).increment(left);
      // A failed give-back leaves the tokens taken: under-admission, never over.
      try {
        shared.refund(key, limit, left).exceptionally(e -> null);
      } catch (RuntimeException e) {
        // The same: and the give-back round must go on to the other leases.
      }
    }
  }

  /** The tokens this replica expects the bucket to hold, from its live lease; empty without one. */
  OptionalLong expectedTokens(BucketKey key, Limit limit) {
    Lease lease = leases.get(new LeaseKey(key, limit));
    if (lease == null) {
      return OptionalLong.empty();
    }
    synchronized (lease) {
      return lease.live(nanoClock.getAsLong(), maxAgeNanos)
          ? OptionalLong.of(lease.left + lease.sharedLeft) : OptionalLong.empty();
    }
  }

  /** Gives back what every lease older than the maximum age still holds. */
  void giveBackExpired() {
    long now = nanoClock.getAsLong();
    leases.forEach((k, lease) -> {
      synchronized (lease) {
        if (lease.expired(now, maxAgeNanos)) {
          giveBack(lease, k.key(), k.limit());
        }
      }
    });
  }

  /**
   * Gives back every lease and forgets them: the limits changed, or the store closes. A lease
   * operation still in flight gives its lease back when it arrives.
   */
  void giveBackAll() {
    List<LeaseKey> keys = new ArrayList<>(leases.keySet());
    for (LeaseKey k : keys) {
      Lease lease = leases.remove(k);
      if (lease != null) {
        synchronized (lease) {
          lease.retired = true;
          giveBack(lease, k.key(), k.limit());
        }
      }
    }
  }

  /** Tokens this replica holds in leases of {@code key}'s bucket now, under any limit. */
  long held(BucketKey key) {
    return held(key::equals);
  }

  /** Tokens this replica holds now in leases of the buckets {@code which} accepts. */
  private long held(Predicate<BucketKey> which) {
    long held = 0;
    for (var entry : leases.entrySet()) {
      if (which.test(entry.getKey().key())) {
        synchronized (entry.getValue()) {
          held += entry.getValue().left;
        }
      }
    }
    return held;
  }
}
