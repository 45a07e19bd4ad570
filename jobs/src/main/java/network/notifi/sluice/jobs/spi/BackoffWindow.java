package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An open failure-backoff window of one parser in one namespace.
 *
 * @param until when the window closes
 * @param consecutiveFailures failures in a row, counting the one that opened it
 */
public record BackoffWindow(Instant until, int consecutiveFailures) {

  public BackoffWindow {
    Objects.requireNonNull(until, "until");
  }

  /** Time left at {@code now}; zero once closed. */
  public Duration remaining(Instant now) {
    Duration left = Duration.between(now, until);
    return left.isNegative() ? Duration.ZERO : left;
  }
}
