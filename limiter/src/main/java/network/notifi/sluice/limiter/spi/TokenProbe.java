package network.notifi.sluice.limiter.spi;

/**
 * The outcome of one attempt to take tokens from a bucket, and the bucket's state right after it.
 *
 * @param consumed whether the tokens were taken
 * @param remaining tokens left in the bucket after the attempt
 * @param nanosToNextToken when refused: time until the requested tokens are available; otherwise 0
 * @param nanosToFull time until the bucket is full again
 * @param degraded whether a shared store answered from its local share instead (Redis unavailable or
 *     contended); a refund must then go back to that share, see {@link BucketStore#refund(BucketKey,
 *     network.notifi.sluice.limiter.Limit, long, TokenProbe)}
 */
public record TokenProbe(
    boolean consumed, long remaining, long nanosToNextToken, long nanosToFull, boolean degraded) {

  public TokenProbe {
    if (remaining < 0 || nanosToNextToken < 0 || nanosToFull < 0) {
      throw new IllegalArgumentException(
          "probe values must be >= 0, were " + remaining + ", " + nanosToNextToken + ", " + nanosToFull);
    }
  }

  /** An answer of the store itself, not of a local share. */
  public TokenProbe(boolean consumed, long remaining, long nanosToNextToken, long nanosToFull) {
    this(consumed, remaining, nanosToNextToken, nanosToFull, false);
  }

  /** This probe, marked as answered by a local share. */
  public TokenProbe asDegraded() {
    return new TokenProbe(consumed, remaining, nanosToNextToken, nanosToFull, true);
  }
}
