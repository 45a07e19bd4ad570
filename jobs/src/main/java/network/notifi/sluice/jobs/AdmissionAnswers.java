package network.notifi.sluice.jobs;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.AtCapacity;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.internal.Dispatcher;
import network.notifi.sluice.jobs.internal.DurationEstimator;
import network.notifi.sluice.jobs.internal.JobsMetrics;
import network.notifi.sluice.jobs.internal.StepUndo;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.QueuedBuild;

/**
 * Turns the stores' admission step into {@link BuildAdmission#start}'s answer, and does what the
 * answer needs first: a build that took a slot is launched (queued or refused instead when its
 * launch is deferred), a queued or refused one updates the gauges, and its wait is estimated.
 *
 * <p>A step that failed part-way is undone by {@link #abandon}, so that a parser is never blocked by
 * a build that will not run. Thread-safe; nothing here blocks.
 */
final class AdmissionAnswers {

  private final JobsConfig config;
  private final JobStores stores;
  private final Clock clock;
  private final JobsMetrics metrics;
  private final DurationEstimator durations;
  private final Dispatcher dispatcher;

  AdmissionAnswers(JobsConfig config, JobStores stores, Clock clock, JobsMetrics metrics, DurationEstimator durations,
      Dispatcher dispatcher) {
    this.config = config;
    this.stores = stores;
    this.clock = clock;
    this.metrics = metrics;
    this.durations = durations;
    this.dispatcher = dispatcher;
  }

  /** The answer to the step the stores took for {@code build}; {@code queueing} with {@code on_capacity: queue}. */
  CompletableFuture<AdmissionResult> answer(Build build, int limit, boolean queueing, AdmissionStep step) {
    String namespace = build.namespace();
    if (step instanceof AdmissionStep.BackingOff backingOff) {
      var window = backingOff.window();
      return done(new BackingOff(build.parserId(), namespace, window.remaining(clock.instant()),
          window.consecutiveFailures()));
    }
    if (step instanceof AdmissionStep.AlreadyActive active) {
      return done(new AlreadyActive(new BuildStatus(active.holder(), active.position())));
    }
    if (step instanceof AdmissionStep.SlotTaken taken) {
      metrics.active(namespace, taken.active());
      return dispatcher
          .launch(build)
          .<AdmissionResult>thenApply(Started::new)
          .exceptionallyCompose(error -> Futures.unwrap(error) instanceof LaunchDeferredException
              ? (queueing ? enqueueDeferred(build, limit) : refuseDeferred(build))
              : CompletableFuture.failedFuture(error))
          .exceptionallyCompose(error -> abandon(build, error));
    }
    if (step instanceof AdmissionStep.Queued queued) {
      metrics.queueDepth(namespace, queued.depth());
      metrics.queued(namespace, build.createdAt());
      if (config.hasCaps()) {
        // Builds waiting ahead may be held by their third party's cap while this one fits: the
        // dispatcher passes over them. Not awaited: the answer is that the build was queued.
        dispatcher.drain(namespace);
      }
      return done(queued(build, queued.position(), limit));
    }
    var refused = (AdmissionStep.AtCapacity) step;
    metrics.active(namespace, refused.active());
    metrics.queueDepth(namespace, refused.depth());
    metrics.rejected(namespace, refused.queueFull(), refused.full());
    return done(atCapacity(build, refused.queueFull(), refused.full()));
  }

  /**
   * A store failed after the admission step may have given the build its active claim: the step is
   * undone ({@link StepUndo}), then the error passed on.
   */
  private <T> CompletableFuture<T> abandon(Build build, Throwable error) {
    return StepUndo.undo(stores, build, "admission failed: " + error, clock.instant(), config.recordTtl())
        .handle((v, cleanupError) -> null)
        .thenCompose(v -> CompletableFuture.<T>failedFuture(error));
  }

  /** The result's name in {@code jobs_admissions_total}. */
  static String metricName(AdmissionResult result) {
    if (result instanceof Started) {
      return "started";
    } else if (result instanceof Queued) {
      return "queued";
    } else if (result instanceof AlreadyActive) {
      return "already_active";
    } else if (result instanceof BackingOff) {
      return "backing_off";
    } else if (result instanceof AdmissionResult.Degraded) {
      return "degraded";
    }
    return "at_capacity";
  }

  private Queued queued(Build build, long position, int limit) {
    Instant eta = durations.estimatedStart(build.namespace(), position, limit, clock.instant());
    return new Queued(build, position, eta);
  }

  private AtCapacity atCapacity(Build build, boolean queueFull, JobLimit full) {
    String namespace = build.namespace();
    int slots = config.limitFor(namespace);
    int limit = switch (full) {
      case NAMESPACE -> slots;
      case TOTAL -> config.maxConcurrentTotal();
      case THIRD_PARTY -> config.maxConcurrentPerThirdParty();
    };
    return new AtCapacity(namespace, full, limit, queueFull, durations.untilSlotFrees(namespace, slots));
  }

  /**
   * The build took a slot but the launcher deferred it and gave the slot back: it joins the queue
   * (its record already says why it waits), which the dispatcher drains once the launcher can start
   * jobs again.
   */
  private CompletableFuture<AdmissionResult> enqueueDeferred(Build build, int limit) {
    var entry = QueuedBuild.of(build);
    return stores
        .queue()
        .enqueue(entry, config.queueMaxDepth())
        .thenCompose(
            enqueued -> {
              metrics.queueDepth(build.namespace(), enqueued.depth());
              if (!enqueued.accepted()) {
                return refuseDeferred(build);
              }
              metrics.queued(build.namespace(), build.createdAt());
              AdmissionResult queued = queued(build, enqueued.position(), limit);
              // The launcher may have come back between the deferral and the enqueue: look again.
              return dispatcher.drain(build.namespace()).handle((v, error) -> queued);
            });
  }

  /** The build took a slot but its launch was deferred, and it cannot wait: forget it. */
  private CompletableFuture<AdmissionResult> refuseDeferred(Build build) {
    metrics.rejected(build.namespace(), false, JobLimit.NAMESPACE);
    var records = stores.records();
    return records
        .delete(build.id())
        .thenCompose(v -> records.releaseActive(build.namespace(), build.parserId(), build.id()))
        .thenApply(v -> atCapacity(build, false, JobLimit.NAMESPACE));
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
