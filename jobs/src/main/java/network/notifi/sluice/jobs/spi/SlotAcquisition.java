package network.notifi.sluice.jobs.spi;

import java.util.Objects;
import java.util.Optional;
import network.notifi.sluice.jobs.JobLimit;

/**
 * The answer of {@link SlotStore#acquire}.
 *
 * @param acquired whether the build now holds a slot
 * @param active unexpired leases in the namespace after the attempt
 * @param full the limit that had no room, when not acquired
 */
public record SlotAcquisition(boolean acquired, int active, Optional<JobLimit> full) {

  public SlotAcquisition {
    Objects.requireNonNull(full, "full");
    if (acquired == full.isPresent()) {
      throw new IllegalArgumentException("a slot is acquired exactly when no limit is full");
    }
  }

  /** The build holds a slot; {@code active} leases in its namespace. */
  public static SlotAcquisition acquired(int active) {
    return new SlotAcquisition(true, active, Optional.empty());
  }

  /** No slot: {@code full} had no room; {@code active} leases in the namespace. */
  public static SlotAcquisition refused(int active, JobLimit full) {
    return new SlotAcquisition(false, active, Optional.of(full));
  }
}
