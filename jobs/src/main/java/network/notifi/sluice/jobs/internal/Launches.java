package network.notifi.sluice.jobs.internal;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches builds that hold a slot, and decides what a launch that did not start means: a deferred
 * one gives its slot back and waits, a failed one ends as failed, not as its parser's fault.
 *
 * <p>Once the replica stops ({@link InFlight#stopping()}), the launcher is not asked any more: the
 * launch is deferred with {@link LaunchDeferredException#REPLICA_STOPPING}, so a build accepted here
 * goes back to the queue for another replica instead of failing on a launcher that is closing.
 * Launches run under {@link InFlight}, so shutdown waits for them. Thread-safe; nothing here blocks.
 */
final class Launches {

  private static final Logger log = LoggerFactory.getLogger(Launches.class);

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final Clock clock;
  private final LeaseKeeper leases;
  private final EndRecorder ends;
  private final InFlight inFlight;

  Launches(JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock, LeaseKeeper leases,
      EndRecorder ends, InFlight inFlight) {
    this.config = config;
    this.stores = stores;
    this.launcher = launcher;
    this.clock = clock;
    this.leases = leases;
    this.ends = ends;
    this.inFlight = inFlight;
  }

  /** See {@link Dispatcher#launch}. */
  CompletableFuture<Build> launch(Build build) {
    return inFlight.run(() -> {
      Build running = build.running(clock.instant());
      leases.own(build.namespace(), build.id());
      return stores
          .records()
          .update(running, config.recordTtl())
          .thenCompose(v -> inFlight.stopping()
              ? CompletableFuture.<Void>failedFuture(LaunchDeferredException.replicaStopping("this replica"))
              : launcher.launch(running))
          .thenApply(v -> running)
          .exceptionallyCompose(error -> notStarted(build, error));
    });
  }

  /**
   * A deferred launch gives the slot back and records the build as waiting again (the caller puts
   * it in the queue); any other error frees the slot and ends the build as failed (no backoff).
   */
  private CompletableFuture<Build> notStarted(Build build, Throwable error) {
    leases.disown(build.namespace(), build.id());
    Throwable cause = Futures.unwrap(error);
    if (cause instanceof LaunchDeferredException deferred) {
      log.info("build {} of {} in {} waits: {}", build.id(), build.parserId(), build.namespace(),
          deferred.getMessage());
      return stores
          .slots()
          .release(build.namespace(), build.id())
          .thenCompose(released -> stores.records().update(build.waiting(deferred.reason()), config.recordTtl()))
          .thenCompose(v -> CompletableFuture.<Build>failedFuture(cause));
    }
    String reason = "launch failed: " + rootMessage(error);
    log.warn("build {} of {} in {}: {}", build.id(), build.parserId(), build.namespace(), reason);
    return stores
        .slots()
        .release(build.namespace(), build.id())
        .thenCompose(released -> ends.finish(build.namespace(), build.id(), false, reason, false))
        .thenCompose(v -> CompletableFuture.<Build>failedFuture(error));
  }

  /** The message of the error under the futures' wrappers, or its class name when it has none. */
  static String rootMessage(Throwable error) {
    Throwable cause = Futures.unwrap(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
