package network.notifi.sluice.jobs;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A build as a caller sees it: its record and, while it waits, its place in the queue.
 *
 * @param build the build record
 * @param position 1-based place in the namespace's queue while {@link BuildState#QUEUED} and not yet
 *     being started; empty otherwise
 */
public record BuildStatus(Build build, OptionalLong position) {

  public BuildStatus {
    Objects.requireNonNull(build, "build");
    Objects.requireNonNull(position, "position");
  }

  public static BuildStatus of(Build build) {
    return new BuildStatus(build, OptionalLong.empty());
  }

  public BuildState state() {
    return build.state();
  }
}
