package network.notifi.sluice.limiter.spi;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Limit;

/**
 * Where token buckets live: in this process, or shared by every replica (Redis).
 *
 * <p>A store holds bucket state and performs the atomic step on it; the multi-level decision (order
 * of levels, refunds, shadow mode) lives once in {@link network.notifi.sluice.limiter.MultiLevelLimiter}.
 * A bucket that does not exist yet is created full from the {@link Limit} passed with the call. When
 * an existing bucket is used with another limit than it has (the limits were changed at run time), it
 * takes the new limit and keeps its tokens, up to the new capacity. Idle buckets may be forgotten
 * once they would have refilled to full, which changes nothing a caller can observe.
 *
 * <p>Implementations are thread-safe. Methods do not block the caller: a remote store completes the
 * future on its own threads. A future completes exceptionally when the store cannot answer.
 */
public interface BucketStore extends AutoCloseable {

  /** Atomically takes {@code tokens} from the bucket if it holds that many; never takes fewer. */
  CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens);

  /**
   * Gives back tokens taken by {@link #tryConsume}, capped at the bucket's capacity. Used when a
   * later level refuses, so that a refused request costs no token anywhere.
   */
  CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens);

  /**
   * Gives back the tokens of the {@link #tryConsume} that answered {@code taken}, to the store that
   * took them: a store that may answer from a local share ({@link TokenProbe#degraded()}) overrides
   * this. The default ignores {@code taken}.
   */
  default CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
    return refund(key, limit, tokens);
  }

  /**
   * Takes up to {@code tokens}: as many as the bucket holds now, maybe none. Used to charge a shared
   * bucket with what was admitted while it could not be asked.
   *
   * @return the tokens taken
   */
  CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens);

  /**
   * The tokens the store expects {@code key}'s bucket to hold now, from what it knows without asking
   * anyone (a remote store: the state it last saw confirmed, refilled to now); empty when it knows
   * nothing of the bucket. A hint, never a decision: the limiter asks a third party expected to hold a
   * token with one to spare together with the shared levels (one round trip for the whole decision;
   * a wrong expectation costs the shared levels a refund), and asks an enforced level expected to
   * hold no whole token first and alone (its refusal then costs the other levels nothing; a wrong
   * expectation costs one round trip more). Must not block. The default knows nothing.
   */
  default OptionalLong expectedTokens(BucketKey key, Limit limit) {
    return OptionalLong.empty();
  }

  /** The bucket as it stands, or empty if the store holds no state for it (it would be full). */
  CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit);

  /**
   * Told, before they are used, that the limits in {@code inForce} are the ones in force from
   * configuration {@code version} on (versions grow with every change, the same on every replica).
   * A store shared by replicas uses it to replace the limit of a bucket that another replica left
   * with an older one; a call with a limit not in force (from a decision that started before the
   * change) must not replace anything. The default does nothing: a store of this process alone
   * compares limits itself.
   */
  default void limitsChanged(long version, Set<Limit> inForce) {}

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
