package network.notifi.sluice.jobs.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An entry handed to one dispatcher by {@link BuildQueue#claim}. It stays in the queue, invisible to
 * other claims, until acknowledged or abandoned, or until it has been claimed for longer than the
 * reclaim timeout (its dispatcher died), when another dispatcher may claim it.
 *
 * @param entry the queued build
 * @param consumer the dispatcher holding it
 * @param claimedAt when it was claimed
 */
public record QueueClaim(QueuedBuild entry, String consumer, Instant claimedAt) {

  public QueueClaim {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(claimedAt, "claimedAt");
  }
}
