package network.notifi.sluice.limiter.spi;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import network.notifi.sluice.limiter.Clock;
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

  /** Bucket4j's view of a {@link Clock}: wall-clock based, so that processes can share buckets. */
  public static TimeMeter timeMeter(Clock clock) {
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
