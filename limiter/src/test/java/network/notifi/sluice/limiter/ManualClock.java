package network.notifi.sluice.limiter;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test moves it. Thread-safe. */
public final class ManualClock implements EpochNanoClock {

  private final AtomicLong nanos;

  public ManualClock() {
    // A fixed, realistic epoch time, so that anything that formats it looks sane.
    this(1_764_300_000_000L * 1_000_000L);
  }

  public ManualClock(long epochNanos) {
    this.nanos = new AtomicLong(epochNanos);
  }

  @Override
  public long epochNanos() {
    return nanos.get();
  }

  public void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  public void advanceMillis(long millis) {
    advance(Duration.ofMillis(millis));
  }
}
