package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Job slots: per namespace, a set of leases, one per running build, each with a deadline.
 *
 * <p>A lease whose deadline has passed (its owner stopped renewing it, e.g. because the replica
 * died) no longer counts and frees its slot. Such a lease is not forgotten silently: {@link
 * #reapExpired} hands it out exactly once, so that the core can mark its build failed, unless the
 * build is released first. Namespaces never share slots, but the caps of {@link SlotLimits} count
 * the leases of every namespace: the total, and those of one third party (the store remembers each
 * lease's third party from its acquire).
 *
 * <p>Time is the store's injected clock (the Redis store passes the caller's clock into its scripts).
 * Implementations are thread-safe and atomic per call. Methods do not block the caller; a future
 * completes exceptionally when the store cannot answer.
 */
public interface SlotStore extends AutoCloseable {

  /**
   * Atomically: drops expired leases of the namespace, then adds a lease for {@code buildId} of
   * {@code thirdParty} ending {@code leaseDuration} from now if {@link SlotLimits#full} finds room,
   * counting unexpired leases (of every namespace for the caps). If the build already holds a lease,
   * it is renewed and counts as acquired.
   */
  CompletableFuture<SlotAcquisition> acquire(
      String namespace, String buildId, Optional<String> thirdParty, SlotLimits limits, Duration leaseDuration);

  /** Moves the build's lease deadline to {@code leaseDuration} from now; false if it holds none. */
  CompletableFuture<Boolean> renew(String namespace, String buildId, Duration leaseDuration);

  /**
   * Gives the build's slot back, whether its lease is live or expired but not yet reaped. True for
   * the one call that removed it; releasing again, or after {@link #reapExpired} reported it, is
   * harmless and false.
   */
  CompletableFuture<Boolean> release(String namespace, String buildId);

  /** Unexpired leases in the namespace. */
  CompletableFuture<Integer> active(String namespace);

  /** The unexpired leases of the namespace, in no particular order. */
  CompletableFuture<List<Lease>> leases(String namespace);

  /**
   * Removes the namespace's expired leases and returns them, together with those {@link #acquire}
   * dropped since the last call. Each expired lease is returned once, by one caller.
   */
  CompletableFuture<List<Lease>> reapExpired(String namespace);

  /** The namespaces that hold leases, live or expired and not yet reaped. */
  CompletableFuture<Set<String>> namespaces();

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
