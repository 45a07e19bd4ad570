package network.notifi.sluice.jobs.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.QueueClaim;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts builds that hold slots and drains queues as slots free; ends go to the {@link EndRecorder},
 * leases to the {@link LeaseKeeper}, gauges to the {@link GaugeRefresher}.
 *
 * <p>When a build ends here, the next queued build of its namespace starts at once, on the thread
 * that reported the end. {@link #tick} does the rest, periodically: retries ends whose recording
 * failed, fails builds whose lease expired, and drains every namespace, which picks up slots freed on
 * other replicas. Leases are not renewed here but by the lease keeper on its own schedule, so a slow
 * round or launch never lets them lapse. A shared backend must make a freed slot start the next
 * queued build on some replica within 1 s: a tick interval under 1 s does it, and a backend may add
 * a nudge (Redis pub/sub) that calls {@link #drain} on every replica. With a cap across namespaces
 * set, an end here drains the other configured namespaces too (after its own), so a share of the
 * cap freed in one namespace starts a build waiting in another at once on this replica.
 *
 * <p>Every queue claim and slot acquire goes under {@link JobsConfig#slotLimits}: the namespace's
 * slots, the total cap and the third party's cap, checked by the stores atomically, so no replica
 * starts a build past any of them.
 *
 * <p>A queue entry is started by the one dispatcher whose acknowledgement removes it: slot first,
 * then the acknowledgement as a fence, then the launch. A claim taken over by another dispatcher
 * meanwhile is acknowledged by one of them only, so a build is never launched twice, and no claim
 * is outstanding while a launch is in flight. A deferred launch puts the entry back in the queue.
 * Thread-safe; nothing here blocks on a store.
 */
public final class Dispatcher implements JobListener {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** The failure reason of a build whose lease expired. */
  public static final String LEASE_EXPIRED = EndRecorder.LEASE_EXPIRED;

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final Clock clock;
  private final JobsMetrics metrics;
  private final String consumer;
  private final LeaseKeeper leases;
  private final GaugeRefresher gauges;
  private final EndRecorder ends;
  private final Set<CompletableFuture<?>> launching = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  public Dispatcher(
      JobsConfig config,
      JobStores stores,
      JobLauncher launcher,
      Clock clock,
      JobsMetrics metrics,
      DurationEstimator durations,
      String consumer) {
    this.config = Objects.requireNonNull(config, "config");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.leases = new LeaseKeeper(stores.slots(), config.leaseDuration());
    this.gauges = new GaugeRefresher(stores, metrics);
    this.ends = new EndRecorder(config, stores, clock, metrics, durations, leases, gauges);
  }

  /** The keeper of this replica's leases; {@link LeaseKeeper#start()} renews them periodically. */
  public LeaseKeeper leases() {
    return leases;
  }

  /**
   * Stops starting queued builds, here and in {@link #tick}; ends reported later are still
   * recorded. Called when the replica shuts down, so that its queued builds wait for another.
   */
  public void stop() {
    stopped = true;
  }

  /**
   * Waits up to {@code timeout} for the launches in flight to be answered; true if none is left.
   * Called on shutdown before the launcher closes.
   */
  public boolean awaitLaunches(Duration timeout) {
    try {
      CompletableFuture.allOf(launching.toArray(CompletableFuture[]::new))
          .handle((v, e) -> null)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Timed out: what is left is reported below.
    }
    return launching.isEmpty();
  }

  /**
   * Waits up to {@code timeout} for the ends being recorded; true if none is left. Called on
   * shutdown after the launcher closed (a local launcher reports the builds it killed) and before
   * the stores close.
   */
  public boolean awaitEnds(Duration timeout) {
    return ends.awaitRecorded(timeout);
  }

  /**
   * Launches a build that holds a slot: writes it as running, then starts its job; its lease is
   * renewed from before the launch until its end. If the job cannot be started, the build is failed
   * (no backoff: not the parser's fault), its slot and active claim freed, and the future fails with
   * the launcher's error. A {@link LaunchDeferredException} instead gives the slot back and records
   * the build as waiting again; the caller puts it in the queue.
   */
  public CompletableFuture<Build> launch(Build build) {
    Build running = build.running(clock.instant());
    leases.own(build.namespace(), build.id());
    CompletableFuture<Build> launch = stores
        .records()
        .update(running, config.recordTtl())
        .thenCompose(v -> launcher.launch(running))
        .thenApply(v -> running)
        .exceptionallyCompose(error -> {
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
        });
    if (!launch.isDone()) {
      launching.add(launch);
      launch.whenComplete((b, e) -> launching.remove(launch));
    }
    return launch;
  }

  /**
   * Takes over the lease of a build this replica launched without the dispatcher (admitted while the
   * stores were degraded, then written back): renews it from now on until the build ends.
   */
  public void adopt(String namespace, String buildId) {
    leases.own(namespace, buildId);
  }

  /**
   * A launcher reports the end of a job: free its slot once, record it, start the next build of its
   * namespace; with a cap across namespaces set, then those of the other configured namespaces too,
   * whose builds may have waited for the share the ended build held.
   */
  @Override
  public void onJobEnded(JobOutcome outcome) {
    String namespace = outcome.namespace();
    ends.record(outcome)
        .thenCompose(v -> drain(namespace))
        .thenCompose(v -> config.hasCaps() ? drainOthers(namespace) : CompletableFuture.<Void>completedFuture(null))
        .exceptionally(error -> {
          log.warn("draining {} after the end of build {} failed: {}", namespace, outcome.buildId(),
              rootMessage(error));
          return null;
        });
  }

  /**
   * Starts queued builds of the namespace while it has free slots. Safe to run on many threads and
   * replicas at once: a claim whose slot another took is abandoned back to the queue.
   */
  public CompletableFuture<Void> drain(String namespace) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (stopped || !launcher.available()) {
      result.complete(null);
      return result;
    }
    drainFrom(namespace, result);
    return result;
  }

  /**
   * Retries ends whose recording failed, then for every configured namespace ({@link
   * JobsConfig#namespaces()}, so the work of a round is bounded by configuration): fails builds
   * whose lease expired, starts queued builds, updates the gauges.
   */
  public CompletableFuture<Void> tick() {
    if (stopped) {
      return CompletableFuture.completedFuture(null);
    }
    return ends.retryFailed()
        .thenCompose(v -> {
          List<CompletableFuture<?>> work = new ArrayList<>();
          for (String namespace : config.namespaces()) {
            work.add(ends.reap(namespace).thenCompose(r -> drain(namespace))
                .thenCompose(r -> gauges.refresh(namespace)));
          }
          return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
        });
  }

  /** Drains the configured namespaces other than {@code namespace}, one after another. */
  private CompletableFuture<Void> drainOthers(String namespace) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (String other : config.namespaces()) {
      if (!other.equals(namespace)) {
        chain = chain.thenCompose(v -> drain(other));
      }
    }
    return chain;
  }

  /** Updates the namespace's gauges from the stores. */
  public CompletableFuture<Void> refresh(String namespace) {
    return gauges.refresh(namespace);
  }

  /** Loops without growing the stack while the stores answer at once (in-process). */
  private void drainFrom(String namespace, CompletableFuture<Void> result) {
    while (true) {
      CompletableFuture<Boolean> step = startNext(namespace);
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
    if (stopped) {
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
    if (stopped) {
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
    return launch(queued)
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
              entry.namespace(), rootMessage(error));
          return false;
        })
        .thenCompose(accepted -> accepted
            ? CompletableFuture.<Void>completedFuture(null)
            : ends.finish(entry.namespace(), entry.buildId(), false, "could not be queued again after a deferred launch",
                false));
  }

  private static String rootMessage(Throwable error) {
    Throwable cause = Futures.unwrap(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
