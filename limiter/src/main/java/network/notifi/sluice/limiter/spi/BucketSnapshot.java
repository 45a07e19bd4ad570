package network.notifi.sluice.limiter.spi;

/**
 * A bucket as it stands, for status pages and inspection.
 *
 * @param key the bucket
 * @param availableTokens tokens a request could take now
 * @param capacity the bucket's capacity
 */
public record BucketSnapshot(BucketKey key, long availableTokens, long capacity) {}
