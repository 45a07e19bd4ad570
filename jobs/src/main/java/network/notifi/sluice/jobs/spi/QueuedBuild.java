package network.notifi.sluice.jobs.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import network.notifi.sluice.jobs.Build;

/**
 * One entry of a {@link BuildQueue}: what the dispatcher needs to start the build without reading
 * anything else.
 *
 * @param buildId the build id
 * @param namespace the namespace whose queue it waits in
 * @param parserId the parser to build
 * @param thirdParty who asked; entries without one share one line of the round-robin
 * @param enqueuedAt when it was admitted
 */
public record QueuedBuild(
    String buildId, String namespace, String parserId, Optional<String> thirdParty, Instant enqueuedAt) {

  public QueuedBuild {
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(parserId, "parserId");
    Objects.requireNonNull(thirdParty, "thirdParty");
    Objects.requireNonNull(enqueuedAt, "enqueuedAt");
  }

  /** The entry of a build, enqueued when it was admitted. */
  public static QueuedBuild of(Build build) {
    return new QueuedBuild(build.id(), build.namespace(), build.parserId(), build.thirdParty(), build.createdAt());
  }

  /** The round-robin line the entry waits in: its third party, or {@code ""} for none. */
  public String line() {
    return thirdParty.orElse("");
  }
}
