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
 */
public record JobOutcome(
    String buildId, String namespace, boolean succeeded, Optional<String> failureReason) {

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
}
