package network.notifi.sluice.jobs.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * How a launched job ended, as a {@link JobLauncher} reports it.
 *
 * @param buildId the build
 * @param namespace its namespace
 * @param succeeded whether it succeeded
 * @param failureReason why it failed (e.g. {@code "exit code 2"}, {@code "timed out after PT10M"});
 *     empty on success
 * @param parserFault whether a failure counts against the parser and opens its failure backoff;
 *     false for ends the parser did not cause (its job deleted by someone else, cancelled)
 */
public record JobOutcome(
    String buildId, String namespace, boolean succeeded, Optional<String> failureReason, boolean parserFault) {

  /** An outcome whose failure, if any, is the parser's. */
  public JobOutcome(String buildId, String namespace, boolean succeeded, Optional<String> failureReason) {
    this(buildId, namespace, succeeded, failureReason, true);
  }

  public JobOutcome {
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(failureReason, "failureReason");
    if (succeeded == failureReason.isPresent()) {
      throw new IllegalArgumentException("a failure needs a reason and a success has none");
    }
  }

  public static JobOutcome succeeded(String buildId, String namespace) {
    return new JobOutcome(buildId, namespace, true, Optional.empty());
  }

  public static JobOutcome failed(String buildId, String namespace, String reason) {
    return new JobOutcome(buildId, namespace, false, Optional.of(reason));
  }

  /** A failure the parser did not cause: recorded as failed, but no backoff is opened. */
  public static JobOutcome failedNotByParser(String buildId, String namespace, String reason) {
    return new JobOutcome(buildId, namespace, false, Optional.of(reason), false);
  }
}
