package network.notifi.sluice.limiter;

import network.notifi.sluice.limiter.spi.BucketKey;

/**
 * What one level said about a request, and the state of its bucket right after.
 *
 * @param key the bucket that was asked
 * @param limit its limit
 * @param consumed whether the request holds a token of this level (false when this level refused,
 *     or when a later level refused and the token was given back)
 * @param remaining tokens left in the bucket
 * @param nanosToNextToken when this level refused: time until a token is available; otherwise 0
 * @param nanosToFull time until the bucket is full again
 */
public record LevelResult(
    BucketKey key,
    Limit limit,
    boolean consumed,
    long remaining,
    long nanosToNextToken,
    long nanosToFull) {

  public Level level() {
    return key.level();
  }

  /** This result after the token it took was given back. */
  LevelResult refunded() {
    long nanosPerToken = limit.nanosToRefill(1);
    return new LevelResult(
        key,
        limit,
        false,
        Math.min(limit.burst(), remaining + 1),
        0,
        Math.max(0, nanosToFull - nanosPerToken));
  }
}
