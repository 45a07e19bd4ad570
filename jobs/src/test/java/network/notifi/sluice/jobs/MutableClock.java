package network.notifi.sluice.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when a test moves it. Thread-safe. */
public final class MutableClock extends Clock {

  private final AtomicReference<Instant> now;

  public MutableClock() {
    // A fixed, realistic time, so that anything that formats it looks sane.
    this(Instant.parse("2025-11-28T03:20:00Z"));
  }

  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a MutableClock is always UTC");
  }

  public void advance(Duration duration) {
    now.updateAndGet(t -> t.plus(duration));
  }
}
