package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.util.Objects;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;

/**
 * One new build asking to be admitted, with the rules of its namespace.
 *
 * @param build the new build, {@link BuildState#QUEUED}, under an id nothing else uses
 * @param limits the namespace's slots and the caps across namespaces
 * @param mayStart whether the launcher can start jobs now; if not, the build can only be queued
 * @param queueing whether a build that finds no slot waits in the queue ({@code on_capacity: queue})
 *     rather than being refused
 * @param queueMaxDepth the most builds the namespace's queue holds
 * @param leaseDuration how long a slot taken here is held before it must be renewed
 * @param recordTtl how long the build's record and its active claim are kept
 */
public record AdmissionAttempt(
    Build build,
    SlotLimits limits,
    boolean mayStart,
    boolean queueing,
    int queueMaxDepth,
    Duration leaseDuration,
    Duration recordTtl) {

  public AdmissionAttempt {
    Objects.requireNonNull(build, "build");
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    Objects.requireNonNull(recordTtl, "recordTtl");
    Objects.requireNonNull(limits, "limits");
    if (build.state() != BuildState.QUEUED) {
      throw new IllegalArgumentException("a new build is queued, not " + build.state().code());
    }
    if (queueMaxDepth < 0) {
      throw new IllegalArgumentException("queueMaxDepth must be >= 0, was " + queueMaxDepth);
    }
  }

  /** The build's queue entry. */
  public QueuedBuild entry() {
    return QueuedBuild.of(build);
  }
}
