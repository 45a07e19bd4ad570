package network.notifi.sluice.jobs.spi;

import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;

/**
 * Runs builds: as child processes of this replica, or as Kubernetes Jobs. The core launches a build
 * once it holds a slot for it and learns of its end through the {@link JobListener}s.
 *
 * <p>Thread-safe. {@link #launch} completes once the job has been started (not when it ends) and
 * completes exceptionally if it could not be started; a remote launcher does not block the caller.
 */
public interface JobLauncher extends AutoCloseable {

  /** Registers a listener for the ends of jobs; register before the first launch. */
  void addListener(JobListener listener);

  /**
   * Starts the build's job. Launching a build id that this launcher already runs starts nothing
   * new. The job's environment names the build: {@code PARSER_ID}, {@code BUILD_ID}, {@code
   * NAMESPACE}, {@code THIRD_PARTY_ID}. Fails with a {@link LaunchDeferredException} when the build
   * should wait and be tried again rather than fail.
   */
  CompletableFuture<Void> launch(Build build);

  /**
   * Stops the build's job if it runs; its end is reported as failed with reason {@code cancelled},
   * not the parser's fault.
   * True if a running job was stopped.
   */
  CompletableFuture<Boolean> cancel(String namespace, String buildId);

  /**
   * Whether the launcher can start jobs now. While it cannot (e.g. the Kubernetes API's circuit
   * breaker is open), the core queues new builds instead of launching them and the dispatcher
   * pauses. The default is always available.
   */
  default boolean available() {
    return true;
  }

  /** Stops watching and releases threads; jobs still running are stopped (local) or left (remote). */
  @Override
  default void close() {}
}
