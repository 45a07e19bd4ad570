package network.notifi.sluice.jobs.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The failure-backoff arithmetic, apart from where its state lives: the first failure opens a
 * window of {@code period}, each further failure in a row doubles it, up to {@code max}.
 */
public record BackoffPolicy(Duration period, Duration max) {

  public BackoffPolicy {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(max, "max");
  }

  /** The window opened by the n-th failure in a row (n >= 1). */
  public Duration windowAfter(int consecutiveFailures) {
    if (consecutiveFailures < 1) {
      throw new IllegalArgumentException("consecutiveFailures must be >= 1, was " + consecutiveFailures);
    }
    Duration window = period;
    for (int i = 1; i < consecutiveFailures && window.compareTo(max) < 0; i++) {
      window = window.multipliedBy(2);
    }
    return window.compareTo(max) > 0 ? max : window;
  }

  /**
   * How long the failure count is remembered after a failure that opened {@code window}: the
   * window plus {@code max}, so a failure soon after a window closed still counts as "in a row".
   */
  public Duration keepCountFor(Duration window) {
    return window.plus(max);
  }
}
