package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Failure-backoff state per (namespace, parser): a count of consecutive failures and a window during
 * which new builds of the parser are refused. The arithmetic (how long a window is, how it grows)
 * lives in the core; a store keeps the two values and forgets them when they expire (Redis: keys
 * with a TTL).
 *
 * <p>Time is the store's injected clock. Thread-safe, atomic per call; methods do not block.
 */
public interface BackoffStore extends AutoCloseable {

  /**
   * Atomically adds one to the count of consecutive failures and returns the new count. A count
   * not incremented for {@code keepCountFor} is forgotten, so the next failure counts as the first.
   */
  CompletableFuture<Integer> recordFailure(String namespace, String parserId, Duration keepCountFor);

  /** Opens (or moves) the window to close at {@code until}. */
  CompletableFuture<Void> open(String namespace, String parserId, Instant until);

  /** The open window with the current failure count; empty if none is open. */
  CompletableFuture<Optional<BackoffWindow>> window(String namespace, String parserId);

  /** Forgets the window and the count, after a success. */
  CompletableFuture<Void> reset(String namespace, String parserId);

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
