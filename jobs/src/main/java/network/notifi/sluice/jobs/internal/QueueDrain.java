package network.notifi.sluice.jobs.internal;

import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.QueueClaim;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the queued builds of a namespace while the slot limits leave room: claim an entry, take its
 * slot, acknowledge the entry, launch.
 *
 * <p>A queue entry is started by the one dispatcher whose acknowledgement removes it: slot first,
 * then the acknowledgement as a fence, then the launch. A claim taken over by another dispatcher
 * meanwhile is acknowledged by one of them only, so a build is never launched twice, and no claim
 * is outstanding while a launch is in flight. A deferred launch (also one refused because the
 * replica stops) puts the entry back in the queue. Each step runs under {@link InFlight}, so
 * shutdown waits for a claim to be launched or handed back. Thread-safe; nothing here blocks.
 */
final class QueueDrain {

  private static final Logger log = LoggerFactory.getLogger(QueueDrain.class);

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final JobsMetrics metrics;
  private final String consumer;
  private final Launches launches;
  private final EndRecorder ends;
  private final GaugeRefresher gauges;
  private final InFlight inFlight;

  QueueDrain(JobsConfig config, JobStores stores, JobLauncher launcher, JobsMetrics metrics, String consumer,
      Launches launches, EndRecorder ends, GaugeRefresher gauges, InFlight inFlight) {
    this.config = config;
    this.stores = stores;
    this.launcher = launcher;
    this.metrics = metrics;
    this.consumer = consumer;
    this.launches = launches;
    this.ends = ends;
    this.gauges = gauges;
    this.inFlight = inFlight;
  }

  /** See {@link Dispatcher#drain}. */
  CompletableFuture<Void> drain(String namespace) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (inFlight.stopping() || !launcher.available()) {
      result.complete(null);
      return result;
    }
    drainFrom(namespace, result);
    return result;
  }

  /** Loops without growing the stack while the stores answer at once (in-process). */
  private void drainFrom(String namespace, CompletableFuture<Void> result) {
    while (true) {
      CompletableFuture<Boolean> step = inFlight.run(() -> startNext(namespace));
      if (step.isDone() && !step.isCompletedExceptionally()) {
        if (!step.join()) {
          result.complete(null);
          return;
        }
        continue;
      }
      step.whenComplete((more, error) -> {
        if (error != null) {
          result.completeExceptionally(error);
        } else if (more) {
          drainFrom(namespace, result);
        } else {
          result.complete(null);
        }
      });
      return;
    }
  }

  /**
   * Starts the next queued build that fits the slot limits (the claim passes over third parties at
   * their cap and hands out nothing while the namespace or the total is full); true if the queue may
   * have more to start.
   */
  private CompletableFuture<Boolean> startNext(String namespace) {
    if (inFlight.stopping()) {
      return CompletableFuture.completedFuture(false);
    }
    SlotLimits limits = config.slotLimits(namespace);
    return stores
        .queue()
        .claim(namespace, consumer, config.leaseDuration(), limits)
        .thenCompose(claim -> claim.isEmpty() ? CompletableFuture.completedFuture(false) : startClaimed(claim.get(), limits));
  }

  /**
   * A claim whose build already left the queue (its record says so: an older dispatcher died after
   * launching it but before acknowledging) is acked without a second launch. A claim taken while
   * this replica stops goes straight back.
   */
  private CompletableFuture<Boolean> startClaimed(QueueClaim claim, SlotLimits limits) {
    if (inFlight.stopping()) {
      return stores.queue().abandon(claim).thenApply(v -> false);
    }
    return stores
        .records()
        .get(claim.entry().namespace(), claim.entry().buildId())
        .thenCompose(record -> {
          if (record.isPresent() && record.get().state() != BuildState.QUEUED) {
            return stores.queue().ack(claim).thenApply(v -> true);
          }
          return acquireAndLaunch(claim, limits);
        });
  }

  private CompletableFuture<Boolean> acquireAndLaunch(QueueClaim claim, SlotLimits limits) {
    QueuedBuild entry = claim.entry();
    return stores
        .slots()
        .acquire(entry.namespace(), entry.buildId(), entry.thirdParty(), limits, config.leaseDuration())
        .thenCompose(acquisition -> {
          metrics.active(entry.namespace(), acquisition.active());
          if (!acquisition.acquired()) {
            return stores.queue().abandon(claim).thenApply(v -> false);
          }
          // The acknowledgement is the fence: of two dispatchers holding this entry (one took over
          // the other's claim), only the one whose ack removed it launches. The other leaves the
          // lease alone: it is the winner's, renewed by it (the slot is keyed by build).
          return stores.queue().ack(claim).thenCompose(acked -> acked
              ? launchClaimed(entry)
              : CompletableFuture.completedFuture(true));
        });
  }

  private CompletableFuture<Boolean> launchClaimed(QueuedBuild entry) {
    Build queued =
        Build.queued(entry.buildId(), entry.parserId(), entry.namespace(), entry.thirdParty(), entry.enqueuedAt());
    return launches.launch(queued)
        .handle((running, error) -> Futures.unwrap(error) instanceof LaunchDeferredException)
        .thenCompose(deferred -> deferred
            // Back to the queue, and no more tries in this namespace until the next tick.
            ? requeue(entry).thenApply(v -> false)
            : gauges.refreshSoon(entry.namespace()).thenApply(v -> true));
  }

  /**
   * Puts an acknowledged entry whose launch was deferred back in the queue (at the end of its third
   * party's line). If that fails, the build is failed rather than left waiting with no entry.
   */
  private CompletableFuture<Void> requeue(QueuedBuild entry) {
    return stores.queue()
        .enqueue(entry, Integer.MAX_VALUE)
        .thenApply(enqueued -> enqueued.accepted())
        .exceptionally(error -> {
          log.warn("putting deferred build {} in {} back in the queue failed: {}", entry.buildId(),
              entry.namespace(), Launches.rootMessage(error));
          return false;
        })
        .thenCompose(accepted -> accepted
            ? CompletableFuture.<Void>completedFuture(null)
            : ends.finish(entry.namespace(), entry.buildId(), false, "could not be queued again after a deferred launch",
                false));
  }
}
