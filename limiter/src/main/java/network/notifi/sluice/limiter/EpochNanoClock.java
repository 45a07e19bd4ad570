package network.notifi.sluice.limiter;

/**
 * The time source of token buckets, in nanoseconds since the epoch. Buckets shared between processes
 * need one time base, so this is wall-clock time, not {@link System#nanoTime()}. Implementations must
 * be thread-safe.
 */
@FunctionalInterface
public interface EpochNanoClock {

  /** Nanoseconds since 1970-01-01T00:00Z. */
  long epochNanos();

  /** Milliseconds since the epoch, derived from {@link #epochNanos()}. */
  default long epochMillis() {
    return epochNanos() / 1_000_000L;
  }

  /** The system's wall clock, with millisecond resolution. */
  static EpochNanoClock system() {
    return () -> System.currentTimeMillis() * 1_000_000L;
  }
}
