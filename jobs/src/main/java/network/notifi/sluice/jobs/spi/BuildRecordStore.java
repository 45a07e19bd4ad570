package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;

/**
 * Build records, each kept for a time-to-live from its last write, and the index of active builds:
 * at most one build id per (namespace, parser) that is queued or running, which makes starting the
 * same parser twice a no-op.
 *
 * <p>Time is the store's injected clock. Thread-safe, atomic per call; methods do not block.
 */
public interface BuildRecordStore extends AutoCloseable {

  /** Writes the record, replacing any with the same id; it expires {@code ttl} after this write. */
  CompletableFuture<Void> put(Build build, Duration ttl);

  /**
   * Writes the next version of a record that {@link #put} or the admission step wrote (the build
   * started, waits or ended); it expires {@code ttl} after this write. A backend may skip what only a
   * new record needs (the Redis store's {@code build id -> namespace} index, written once for a
   * build). The default is {@link #put}.
   */
  default CompletableFuture<Void> update(Build build, Duration ttl) {
    return put(build, ttl);
  }

  /** The record, unless absent or expired. */
  CompletableFuture<Optional<Build>> get(String buildId);

  /**
   * The record of a build known to be in {@code namespace}, unless absent or expired. A backend that
   * finds records by id through an index (Redis: a pointer key on another slot) skips it here.
   */
  default CompletableFuture<Optional<Build>> get(String namespace, String buildId) {
    return get(buildId).thenApply(found -> found.filter(build -> build.namespace().equals(namespace)));
  }

  /** Removes the record (a build refused after it was written). */
  CompletableFuture<Void> delete(String buildId);

  /**
   * Atomically makes {@code buildId} the active build of (namespace, parser) unless another build
   * holds that place, and returns the build id that holds it afterwards: {@code buildId} if it got
   * the place, else the holder's. The place is forgotten after {@code ttl} if never released.
   */
  CompletableFuture<String> claimActive(
      String namespace, String parserId, String buildId, Duration ttl);

  /** Frees the place if {@code buildId} holds it (compare and delete); true if it did. */
  CompletableFuture<Boolean> releaseActive(String namespace, String parserId, String buildId);

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
