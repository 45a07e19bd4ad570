package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Per-namespace queues of builds waiting for a slot, drained by dispatchers with claim and
 * acknowledge, so that an entry handed to a dispatcher that dies is not lost.
 *
 * <p><b>Order.</b> Within a namespace the queue is fair across third parties: entries are handed out
 * round-robin by third party (in the order third parties first queued), first in, first out within
 * one third party. One third party with 500 entries cannot starve another with one.
 *
 * <p><b>Claim and acknowledge.</b> {@link #claim} hands the next entry to one dispatcher; it is acked
 * only after its build started (or was refused for good), or abandoned to go back to the front of
 * its line. A claim older than {@code reclaimAfter} is handed to the next claimant first. (Redis:
 * one stream per namespace, consumer group {@code dispatchers}, {@code XAUTOCLAIM} for the reclaim.)
 *
 * <p>The depth of a queue counts its entries until they are acknowledged, claimed or not.
 * Implementations are thread-safe and atomic per call; methods do not block the caller.
 */
public interface BuildQueue extends AutoCloseable {

  /**
   * Appends the entry to its namespace's queue unless the queue already holds {@code maxDepth}
   * entries. Enqueuing a build id that is already queued changes nothing and reports its position.
   */
  CompletableFuture<Enqueued> enqueue(QueuedBuild entry, int maxDepth);

  /**
   * The build's 1-based place in dispatch order among entries not yet claimed; 0 if it is claimed
   * (being started); empty if it is not in the queue.
   */
  CompletableFuture<OptionalLong> position(String namespace, String buildId);

  /**
   * The place a queued build is shown waiting at, from a {@link #position}: empty when it is not
   * in the queue or already claimed (0), which a caller shows as no place in line.
   */
  static OptionalLong waitingPlace(OptionalLong position) {
    return position.isPresent() && position.getAsLong() > 0 ? position : OptionalLong.empty();
  }

  /** Entries in the namespace's queue, claimed or not, until acknowledged. */
  CompletableFuture<Long> depth(String namespace);

  /**
   * When the oldest entry of the namespace's queue (claimed or not, until acknowledged) was
   * enqueued; empty if the queue is empty. Feeds {@code build_queue_oldest_age_seconds}. The default
   * answers empty, for a queue that cannot tell.
   */
  default CompletableFuture<Optional<Instant>> oldestEnqueuedAt(String namespace) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  /**
   * Hands the next entry of the namespace to {@code consumer}: first a claim older than {@code
   * reclaimAfter}, else the next entry in fair order whose build would find room under {@code
   * limits}, counted against the leases of the backend's {@link SlotStore} in the same atomic step.
   * Empty if there is none, or if the namespace's slots or the total cap are full. A line whose third
   * party is at its cap is passed over and keeps its turn, so it is served first once a build of
   * that third party ends; the next line is served meanwhile.
   */
  CompletableFuture<Optional<QueueClaim>> claim(
      String namespace, String consumer, Duration reclaimAfter, SlotLimits limits);

  /** Removes a claimed entry for good. True for the call that removed it; false if already gone. */
  CompletableFuture<Boolean> ack(QueueClaim claim);

  /**
   * Puts a claimed entry back at the front of its third party's line, e.g. because another replica
   * took the free slot first. Does nothing if the entry was acknowledged or reclaimed meanwhile.
   */
  CompletableFuture<Void> abandon(QueueClaim claim);

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
