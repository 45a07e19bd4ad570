package network.notifi.sluice.limiter.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A bucket as it stands, for status pages and inspection.
 *
 * @param key the bucket
 * @param availableTokens tokens a request could take now
 * @param capacity the bucket's capacity
 * @param lease this replica's token lease of the bucket, when the store leases it
 */
public record BucketSnapshot(BucketKey key, long availableTokens, long capacity, Optional<Lease> lease) {

  /**
   * A store's token leases of a bucket: it takes {@code tokens} at once and hands them out for at most
   * {@code maxAge}, and holds {@code held} now.
   */
  public record Lease(long tokens, Duration maxAge, long held) {}

  public BucketSnapshot {
    Objects.requireNonNull(lease, "lease");
  }

  /** A bucket that is not leased. */
  public BucketSnapshot(BucketKey key, long availableTokens, long capacity) {
    this(key, availableTokens, capacity, Optional.empty());
  }
}
