package network.notifi.sluice.common;

/** Whole seconds for headers and estimates, rounded up so that "wait this long" is never too short. */
public final class Seconds {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private Seconds() {}

  /** {@code nanos} in whole seconds, rounded up; 0 for zero or less. */
  public static long ceil(long nanos) {
    return nanos <= 0 ? 0 : (nanos - 1) / NANOS_PER_SECOND + 1;
  }
}
