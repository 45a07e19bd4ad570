package network.notifi.sluice.limiter.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The largest value observed in the current and the previous window, so that a gauge shows the
 * recent peak and forgets it within two windows. Lock-free; thread-safe.
 */
public final class WindowedMax {

  private record Windows(long start, double current, double previous) {}

  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final AtomicReference<Windows> windows;
  private final AtomicLong observations = new AtomicLong();

  public WindowedMax(long windowNanos, LongSupplier nanoClock) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("window must be > 0 ns, was " + windowNanos);
    }
    this.windowNanos = windowNanos;
    this.nanoClock = nanoClock;
    this.windows = new AtomicReference<>(new Windows(nanoClock.getAsLong(), 0, 0));
  }

  public void observe(double value) {
    observations.incrementAndGet();
    long now = nanoClock.getAsLong();
    windows.updateAndGet(w -> {
      Windows rolled = roll(w, now);
      return value > rolled.current() ? new Windows(rolled.start(), value, rolled.previous()) : rolled;
    });
  }

  /** The peak of the current and the previous window; 0 when nothing was observed in them. */
  public double value() {
    Windows w = roll(windows.get(), nanoClock.getAsLong());
    return Math.max(w.current(), w.previous());
  }

  private Windows roll(Windows w, long now) {
    long elapsed = now - w.start();
    if (elapsed < windowNanos) {
      return w;
    }
    if (elapsed < 2 * windowNanos) {
      return new Windows(w.start() + windowNanos, 0, w.current());
    }
    return new Windows(now, 0, 0);
  }
}
