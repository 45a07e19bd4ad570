package network.notifi.sluice.jobs.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import network.notifi.sluice.common.Seconds;

/**
 * Estimates from recent build durations, per namespace, as seen by this replica: the mean of the
 * last 32 builds, or the configured expectation before any has finished. Thread-safe. Keeps at most
 * 1,000 namespaces; others get the expectation.
 */
public final class DurationEstimator {

  private static final int WINDOW = 32;
  private static final int MAX_NAMESPACES = 1000;

  private final Duration expected;
  private final ConcurrentHashMap<String, Recent> recent = new ConcurrentHashMap<>();

  public DurationEstimator(Duration expected) {
    this.expected = expected;
  }

  public void record(String namespace, Duration duration) {
    if (duration.isNegative()) {
      return;
    }
    Recent r = recent.get(namespace);
    if (r == null) {
      if (recent.size() >= MAX_NAMESPACES) {
        return;
      }
      r = recent.computeIfAbsent(namespace, ns -> new Recent());
    }
    r.add(duration.toMillis());
  }

  /** The mean duration of recent builds in the namespace. */
  public Duration mean(String namespace) {
    Recent r = recent.get(namespace);
    return r == null ? expected : r.mean().orElse(expected);
  }

  /**
   * When the build at {@code position} (1-based) is expected to start: after {@code
   * ceil(position / limit)} rounds of builds of the mean duration.
   */
  public Instant estimatedStart(String namespace, long position, int limit, Instant now) {
    long rounds = (Math.max(position, 1) + limit - 1) / limit;
    return now.plus(mean(namespace).multipliedBy(rounds));
  }

  /** When some slot of the namespace is expected to free: the mean over the limit in whole milliseconds, rounded up to whole seconds, at least 1 s. */
  public Duration untilSlotFrees(String namespace, int limit) {
    Duration estimate = mean(namespace).dividedBy(limit);
    long seconds = Math.max(1, Seconds.ceil(estimate.truncatedTo(ChronoUnit.MILLIS).toNanos()));
    return Duration.ofSeconds(seconds);
  }

  /** A ring of the last durations in milliseconds. */
  private static final class Recent {
    private final long[] millis = new long[WINDOW];
    private int count;
    private int next;

    synchronized void add(long value) {
      millis[next] = value;
      next = (next + 1) % WINDOW;
      count = Math.min(count + 1, WINDOW);
    }

    synchronized Optional<Duration> mean() {
      if (count == 0) {
        return Optional.empty();
      }
      long sum = 0;
      for (int i = 0; i < count; i++) {
        sum += millis[i];
      }
      return Optional.of(Duration.ofMillis(sum / count));
    }
  }
}
