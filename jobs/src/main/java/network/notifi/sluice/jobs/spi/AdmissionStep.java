package network.notifi.sluice.jobs.spi;

import java.util.Objects;
import java.util.OptionalLong;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobLimit;

/** The answer of {@link AdmissionStore#admit}; see there for when each is given. */
public sealed interface AdmissionStep {

  /** The parser's backoff window is open; nothing was written. */
  record BackingOff(BackoffWindow window) implements AdmissionStep {
    public BackingOff {
      Objects.requireNonNull(window, "window");
    }
  }

  /**
   * Another build of the parser is queued or running; nothing was written.
   *
   * @param holder that build's record
   * @param position its 1-based place in the queue while it waits unclaimed; empty otherwise
   */
  record AlreadyActive(Build holder, OptionalLong position) implements AdmissionStep {
    public AlreadyActive {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(position, "position");
    }
  }

  /**
   * The build holds a slot, its record and the active claim; it is to be launched.
   *
   * @param active unexpired leases in the namespace, this one included
   */
  record SlotTaken(int active) implements AdmissionStep {}

  /**
   * The build waits in the queue and holds its record and the active claim.
   *
   * @param position its 1-based place in dispatch order
   * @param depth entries in the namespace's queue, this one included
   */
  record Queued(long position, long depth) implements AdmissionStep {}

  /**
   * No slot, and no queueing or a full queue; nothing was written.
   *
   * @param queueFull whether the queue was at its maximum depth (else there is no queueing)
   * @param active unexpired leases in the namespace
   * @param depth entries in the namespace's queue
   * @param full the limit that left no slot: the namespace's, or a cap across namespaces
   */
  record AtCapacity(boolean queueFull, int active, long depth, JobLimit full) implements AdmissionStep {
    public AtCapacity {
      Objects.requireNonNull(full, "full");
    }
  }
}
