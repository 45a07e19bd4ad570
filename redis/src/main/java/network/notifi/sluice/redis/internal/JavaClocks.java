package network.notifi.sluice.redis.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import network.notifi.sluice.limiter.EpochNanoClock;

/** An {@link EpochNanoClock} seen as a {@link Clock} in UTC, for APIs that take the JDK's. */
public final class JavaClocks {

  private JavaClocks() {}

  /** Reads {@code clock} on every call; nanosecond instants, UTC only. */
  public static Clock of(EpochNanoClock clock) {
    return new Reading(Objects.requireNonNull(clock, "clock"));
  }

  private static final class Reading extends Clock {
    private final EpochNanoClock clock;

    Reading(EpochNanoClock clock) {
      this.clock = clock;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      if (!ZoneOffset.UTC.equals(zone)) {
        throw new UnsupportedOperationException("this clock is UTC only, not " + zone);
      }
      return this;
    }

    @Override
    public long millis() {
      return clock.epochMillis();
    }

    @Override
    public Instant instant() {
      long nanos = clock.epochNanos();
      return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
  }
}
