package network.notifi.sluice.redis.internal;

import io.github.bucket4j.BucketListener;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.local.LockFreeBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.Bucket4jSupport;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * This replica's shares of shared buckets, for decisions made while the shared store cannot be
 * asked, and the debt each share owes its shared bucket.
 *
 * <p>A share is one of {@code n} equal parts of its bucket ({@link Bucket4jSupport#shareOf}), {@code
 * n} the live replicas when it is made; it starts with the bucket's last known tokens ÷ {@code n}
 * (none when there is no recent state, never full) and refills at the limit's rate ÷ {@code n}.
 * Every token a share hands out is a token of debt; a token given back to the share, or given back
 * to the shared bucket while it could not be asked, lowers the debt (a negative debt is a refund the
 * shared bucket is owed). {@link #settle} hands every debt over for charging, once the shared store
 * answers again.
 *
 * <p>At most {@code maxShares} shares are held: a third party beyond them is answered without a
 * share (admitted; the endpoint and global shares still bound it), never dropping another's debt.
 * Thread-safe: each key's share is read and changed under the map's lock for that key.
 */
public final class LocalShares {

  /** A debt handed over by {@link #settle}: charge {@code tokens} (or refund, if negative) to {@code key}. */
  public record Debt(BucketKey key, Limit limit, long tokens) {}

  private static final class Share {
    final Limit limit;
    final LocalBucket bucket;
    long debt;

    Share(Limit limit, LocalBucket bucket) {
      this.limit = limit;
      this.bucket = bucket;
    }
  }

  private final ConcurrentHashMap<BucketKey, Share> shares = new ConcurrentHashMap<>();
  private final TimeMeter time;
  private final int maxShares;

  public LocalShares(LongSupplier epochNanos, int maxShares) {
    this.time = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return epochNanos.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
    this.maxShares = maxShares;
  }

  /**
   * Takes {@code tokens} from this replica's share of {@code key}'s bucket, making the share if there
   * is none: one of {@code replicas} parts, starting from {@code lastKnownTokens} (the shared bucket's
   * tokens as last seen, refilled to now; empty for none). Both are asked only when the share is
   * made. The probe is {@link TokenProbe#degraded}.
   */
  public TokenProbe tryConsume(BucketKey key, Limit limit, long tokens, IntSupplier replicas,
      Supplier<OptionalLong> lastKnownTokens) {
    TokenProbe[] answer = new TokenProbe[1];
    if (!shares.containsKey(key) && key.level() == Level.THIRD_PARTY && shares.size() >= maxShares) {
      return new TokenProbe(true, 0, 0, 0, true);
    }
    shares.compute(key, (k, share) -> {
      Share s = share != null ? share : newShare(limit, replicas.getAsInt(), lastKnownTokens.get().orElse(0));
      var probe = s.bucket.tryConsumeAndReturnRemaining(tokens);
      if (probe.isConsumed()) {
        s.debt += tokens;
      }
      answer[0] = Bucket4jSupport.toProbe(probe).asDegraded();
      return s;
    });
    return answer[0];
  }

  /** Gives {@code tokens} back to this replica's share of {@code key}: they were taken from it. */
  public void giveBack(BucketKey key, long tokens) {
    shares.computeIfPresent(key, (k, s) -> {
      s.bucket.addTokens(tokens);
      s.debt -= tokens;
      return s;
    });
  }

  /** Records that the shared bucket of {@code key} is owed {@code tokens}, to be refunded once it answers. */
  public void owe(BucketKey key, Limit limit, long tokens) {
    shares.compute(key, (k, share) -> {
      Share s = share != null ? share : newShare(limit, 1, 0);
      s.debt -= tokens;
      return s;
    });
  }

  /** The share of {@code key} as it stands, if this replica has one. */
  public Optional<BucketSnapshot> snapshot(BucketKey key) {
    Share s = shares.get(key);
    return s == null ? Optional.empty()
        : Optional.of(new BucketSnapshot(key, s.bucket.getAvailableTokens(), s.bucket.getConfiguration()
            .getBandwidths()[0].getCapacity()));
  }

  /**
   * Hands over every non-zero debt and sets it to zero; with {@code dropSettled}, also forgets every
   * share that owes nothing, so that the next degraded episode starts from fresh state.
   */
  public List<Debt> settle(boolean dropSettled) {
    List<Debt> debts = new ArrayList<>();
    for (BucketKey key : shares.keySet()) {
      shares.computeIfPresent(key, (k, s) -> {
        if (s.debt != 0) {
          debts.add(new Debt(k, s.limit, s.debt));
          s.debt = 0;
          return s;
        }
        return dropSettled ? null : s;
      });
    }
    return debts;
  }

  /** Puts a debt back that could not be settled. */
  public void restore(Debt debt) {
    shares.compute(debt.key(), (k, share) -> {
      Share s = share != null ? share : newShare(debt.limit(), 1, 0);
      s.debt += debt.tokens();
      return s;
    });
  }

  /** Shares held now. */
  public int size() {
    return shares.size();
  }

  private Share newShare(Limit limit, int replicas, long lastKnownTokens) {
    long initial = lastKnownTokens / Math.max(1, replicas);
    var configuration = Bucket4jSupport.shareOf(limit, Math.max(1, replicas), initial);
    return new Share(limit, new LockFreeBucket(configuration, MathType.INTEGER_64_BITS, time, BucketListener.NOPE));
  }
}
