package network.notifi.sluice.limiter.spi;

/**
 * The outcome of one attempt to take tokens from a bucket, and the bucket's state right after it.
 *
 * @param consumed whether the tokens were taken
 * @param remaining tokens left in the bucket after the attempt
 * @param nanosToNextToken when refused: time until the requested tokens are available; otherwise 0
 * @param nanosToFull time until the bucket is full again
 */
public record TokenProbe(boolean consumed, long remaining, long nanosToNextToken, long nanosToFull) {

  public TokenProbe {
    if (remaining < 0 || nanosToNextToken < 0 || nanosToFull < 0) {
      throw new IllegalArgumentException(
          "probe values must be >= 0, were " + remaining + ", " + nanosToNextToken + ", " + nanosToFull);
    }
  }
}
