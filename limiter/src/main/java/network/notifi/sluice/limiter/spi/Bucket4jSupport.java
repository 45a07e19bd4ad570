package network.notifi.sluice.limiter.spi;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;

/** The one place where a {@link Limit} becomes a Bucket4j bucket, shared by every Bucket4j backend. */
public final class Bucket4jSupport {

  private Bucket4jSupport() {}

  /** A bucket of {@code burst} tokens, initially full, refilled greedily at the limit's rate. */
  public static BucketConfiguration configurationFor(Limit limit) {
    return BucketConfiguration.builder().addLimit(bandwidthFor(limit)).build();
  }

  /** The one bandwidth of a limit's bucket. */
  public static Bandwidth bandwidthFor(Limit limit) {
    return Bandwidth.builder()
        .capacity(limit.burst())
        .refillGreedy(limit.ratePerSecond(), Duration.ofSeconds(1))
        .build();
  }

  /**
   * One of {@code shares} equal parts of a limit's bucket, holding {@code initialTokens} to start
   * with: it refills at {@code ratePerSecond} tokens per {@code shares} seconds, so the shares' rates
   * add up to the limit's exactly, also below one token per second; its capacity is {@code burst /
   * shares}, at least 1, so the shares' capacities add up to at most {@code max(burst, shares)}.
   *
   * @throws IllegalArgumentException if {@code shares < 1} or {@code initialTokens < 0}
   */
  public static BucketConfiguration shareOf(Limit limit, int shares, long initialTokens) {
    if (shares < 1) {
      throw new IllegalArgumentException("shares must be >= 1, was " + shares);
    }
    if (initialTokens < 0) {
      throw new IllegalArgumentException("initialTokens must be >= 0, was " + initialTokens);
    }
    long capacity = shareCapacity(limit, shares);
    return BucketConfiguration.builder()
        .addLimit(Bandwidth.builder()
            .capacity(capacity)
            .refillGreedy(limit.ratePerSecond(), Duration.ofSeconds(shares))
            .initialTokens(Math.min(capacity, initialTokens))
            .build())
        .build();
  }

  /** The capacity of one of {@code shares} parts of a limit's bucket: {@code burst / shares}, at least 1. */
  public static long shareCapacity(Limit limit, int shares) {
    return Math.max(1, limit.burst() / shares);
  }

  /** Bucket4j's view of an {@link EpochNanoClock}: wall-clock based, so that processes can share buckets. */
  public static TimeMeter timeMeter(EpochNanoClock clock) {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return clock.epochNanos();
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
  }

  /** Converts Bucket4j's probe; {@code nanosToNextToken} is 0 when the tokens were taken. */
  public static TokenProbe toProbe(ConsumptionProbe probe) {
    return new TokenProbe(
        probe.isConsumed(),
        Math.max(0, probe.getRemainingTokens()),
        probe.isConsumed() ? 0 : Math.max(0, probe.getNanosToWaitForRefill()),
        Math.max(0, probe.getNanosToWaitForReset()));
  }
}
