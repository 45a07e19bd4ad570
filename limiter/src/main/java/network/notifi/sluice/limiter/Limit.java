package network.notifi.sluice.limiter;

import java.time.Duration;
import network.notifi.sluice.common.Seconds;

/**
 * A token bucket: it holds at most {@code burst} tokens and refills greedily at {@code ratePerSecond}
 * tokens per second. A request takes one token.
 *
 * <p>In shadow mode a level that would refuse a request lets it pass; the would-be refusal is counted
 * and logged, so a new limit can be observed before it is enforced.
 *
 * @param ratePerSecond tokens added per second, at least 1
 * @param burst the bucket's capacity, at least 1; a full bucket admits this many requests at once
 * @param shadow whether refusals at this level are only observed, not enforced
 */
public record Limit(long ratePerSecond, long burst, boolean shadow) {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  public Limit {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("rate must be >= 1 per second, was " + ratePerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1, was " + burst);
    }
  }

  /** An enforced limit. */
  public static Limit of(long ratePerSecond, long burst) {
    return new Limit(ratePerSecond, burst, false);
  }

  /** This limit in shadow mode. */
  public Limit inShadowMode() {
    return new Limit(ratePerSecond, burst, true);
  }

  /** Time to refill this many tokens from empty. */
  public long nanosToRefill(long tokens) {
    if (tokens <= 0) {
      return 0;
    }
    // Ceiling division so that "wait this long" is never too short.
    return Math.multiplyExact(tokens, NANOS_PER_SECOND) / ratePerSecond
        + (Math.multiplyExact(tokens, NANOS_PER_SECOND) % ratePerSecond == 0 ? 0 : 1);
  }

  /** Time for an empty bucket to become full again. */
  public Duration refillPeriod() {
    return Duration.ofNanos(nanosToRefill(burst));
  }

  /**
   * The window of this limit in whole seconds, as in the {@code w} parameter of {@code
   * RateLimit-Policy}: the time in which {@code burst} tokens are restored, rounded up, at least 1.
   */
  public long windowSeconds() {
    return Math.max(1, Seconds.ceil(nanosToRefill(burst)));
  }
}
