package network.notifi.sluice.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.AtCapacity;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.internal.Dispatcher;
import network.notifi.sluice.jobs.internal.DurationEstimator;
import network.notifi.sluice.jobs.internal.JobsMetrics;
import network.notifi.sluice.jobs.local.LocalProcessLauncher;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.AdmissionStore;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Build admission: decides for each start request whether the build starts, waits in the queue, or
 * is refused, and answers status queries.
 *
 * <p>A start goes through, in order: the parser's failure backoff in the namespace ({@link
 * BackingOff}); dedupe, where a build of the same parser already queued or running is the answer
 * ({@link AlreadyActive}); a slot in the namespace ({@link Started}); else, with {@code on_capacity:
 * queue}, the namespace's queue ({@link Queued}), or {@link AtCapacity} when rejecting or when the
 * queue is full. A namespace whose queue holds builds queues new ones behind them rather than let
 * them take a freed slot first.
 *
 * <p>State lives in the {@link JobStores}, so replicas sharing a backend share slots, queues,
 * backoff and records. Build ends reach the admission through the {@link JobLauncher}; the
 * dispatcher then starts queued builds (see {@link #startDispatcher()}).
 *
 * <p>Thread-safe. No method blocks: futures complete when the stores and the launcher have answered,
 * and complete exceptionally only when one of them fails.
 */
public final class BuildAdmission implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BuildAdmission.class);

  /** How long {@link #close()} waits for launches in flight and ends being recorded. */
  static final int QUIET_SECONDS = 10;

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final Clock clock;
  private final JobsMetrics metrics;
  private final DurationEstimator durations;
  private final Dispatcher dispatcher;
  private ScheduledExecutorService ticker;

  private BuildAdmission(
      JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics =
        new JobsMetrics(Objects.requireNonNull(registry, "registry"), config.namespaces(), config::limitFor, clock);
    this.durations = new DurationEstimator(config.expectedBuildDuration());
    this.dispatcher =
        new Dispatcher(config, stores, launcher, clock, metrics, durations, "dispatcher-" + UUID.randomUUID());
    launcher.addListener(dispatcher);
  }

  /**
   * An admission over the given stores and launcher. The dispatcher does not run periodically until
   * {@link #startDispatcher()}; build ends still start queued builds at once.
   */
  public static BuildAdmission create(
      JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock, MeterRegistry registry) {
    return new BuildAdmission(config, stores, launcher, clock, registry);
  }

  /**
   * The embedded default for one replica: in-process stores, builds as local processes ({@code
   * jobs.launcher: local}), the system clock, the dispatcher started.
   */
  public static BuildAdmission embedded(JobsConfig config, MeterRegistry registry) {
    Clock clock = Clock.systemUTC();
    BuildAdmission admission =
        create(config, InProcessStores.create(clock), new LocalProcessLauncher(config.local()), clock, registry);
    admission.startDispatcher();
    return admission;
  }

  public JobsConfig config() {
    return config;
  }

  /**
   * Asks to start a build; see the class comment for the order of checks. The checks and the slot
   * or queue place are one atomic step of the stores ({@link AdmissionStore}); only a build that
   * took a slot costs more store calls, to be launched.
   */
  public CompletableFuture<AdmissionResult> start(BuildRequest request) {
    Objects.requireNonNull(request, "request");
    String namespace = request.namespace().orElse(config.defaultNamespace());
    Build build = Build.queued(UUID.randomUUID().toString(), request.parserId(), namespace,
        request.thirdParty(), clock.instant());
    int limit = config.limitFor(namespace);
    boolean queueing = config.onCapacity() == OnCapacity.QUEUE;
    // The launcher cannot start jobs now (e.g. the Kubernetes API is down): wait, do not fail.
    var attempt = new AdmissionAttempt(build, limit, launcher.available(), queueing, config.queueMaxDepth(),
        config.leaseDuration(), config.recordTtl());
    CompletableFuture<AdmissionStep> step;
    try {
      step = stores.admissions().admit(attempt);
    } catch (RuntimeException e) {
      step = CompletableFuture.failedFuture(e);
    }
    return step
        .exceptionallyCompose(error -> abandon(build, error))
        .thenCompose(s -> answer(build, limit, queueing, s))
        .thenApply(
            result -> {
              metrics.admission(namespace, resultName(result));
              return result;
            });
  }

  private CompletableFuture<AdmissionResult> answer(Build build, int limit, boolean queueing, AdmissionStep step) {
    String namespace = build.namespace();
    if (step instanceof AdmissionStep.BackingOff backingOff) {
      var window = backingOff.window();
      return done(new BackingOff(build.parserId(), namespace, window.remaining(clock.instant()),
          window.consecutiveFailures()));
    }
    if (step instanceof AdmissionStep.Held held) {
      return done(new AlreadyActive(new BuildStatus(held.holder(), held.position())));
    }
    if (step instanceof AdmissionStep.SlotTaken taken) {
      metrics.active(namespace, taken.active());
      return dispatcher
          .launch(build)
          .<AdmissionResult>thenApply(Started::new)
          .exceptionallyCompose(error -> isDeferral(error)
              ? (queueing ? enqueueDeferred(build, limit) : refuseDeferred(build, limit))
              : CompletableFuture.failedFuture(error))
          .exceptionallyCompose(error -> abandon(build, error));
    }
    if (step instanceof AdmissionStep.Queued queued) {
      metrics.queueDepth(namespace, queued.depth());
      metrics.queued(namespace, build.createdAt());
      return done(queued(build, queued.position(), limit));
    }
    var refused = (AdmissionStep.Refused) step;
    metrics.active(namespace, refused.active());
    metrics.queueDepth(namespace, refused.depth());
    metrics.rejected(namespace, refused.queueFull());
    return done(atCapacity(build, refused.queueFull(), limit));
  }

  /** The build's record and, while it waits, its place in the queue; empty if unknown or expired. */
  public CompletableFuture<Optional<BuildStatus>> status(String buildId) {
    Objects.requireNonNull(buildId, "buildId");
    return stores
        .records()
        .get(buildId)
        .thenCompose(
            found -> {
              if (found.isEmpty() || found.get().state() != BuildState.QUEUED) {
                return done(found.map(BuildStatus::of));
              }
              Build build = found.get();
              return stores
                  .queue()
                  .position(build.namespace(), buildId)
                  .thenApply(position -> Optional.of(new BuildStatus(build, BuildQueue.waitingPlace(position))));
            });
  }

  /** Slots in use, the limit and the queue depth of a namespace. */
  public CompletableFuture<NamespaceUsage> usage(String namespace) {
    Names.requireDns1123Label("namespace", namespace);
    return stores
        .slots()
        .active(namespace)
        .thenCombine(
            stores.queue().depth(namespace),
            (active, depth) -> new NamespaceUsage(namespace, active, config.limitFor(namespace), depth));
  }

  /**
   * Cancels a running build's job; it ends as failed with reason {@code cancelled}. False if the
   * launcher runs no such job (queued builds are not cancelled).
   */
  public CompletableFuture<Boolean> cancel(String namespace, String buildId) {
    return launcher.cancel(namespace, buildId);
  }

  /**
   * One round of everything periodic: renews this replica's leases, fails builds whose lease
   * expired, starts queued builds where slots are free. {@link #startDispatcher()} runs the lease
   * renewal every third of {@code jobs.lease_duration} and the rest every {@code
   * jobs.dispatch_interval}, each on its own thread; tests call this after moving their clock.
   */
  public CompletableFuture<Void> tick() {
    return dispatcher.leases().renewAll().thenCompose(v -> dispatcher.tick());
  }

  /**
   * Renews leases every third of {@code jobs.lease_duration} and runs the dispatcher every {@code
   * jobs.dispatch_interval}, on daemon threads of their own. Idempotent.
   */
  public synchronized void startDispatcher() {
    if (ticker != null) {
      return;
    }
    dispatcher.leases().start();
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "sluice-jobs-dispatcher");
              thread.setDaemon(true);
              return thread;
            });
    long period = config.dispatchInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::tickQuietly, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Shuts down without losing a build: stops starting queued builds (they stay queued, claims are
   * handed back, for another replica), waits up to {@value #QUIET_SECONDS} s for launches in
   * flight, closes the launcher (local builds are killed and end {@code interrupted}, not the
   * parser's fault; Kubernetes Jobs keep running for another replica to adopt), waits up to
   * {@value #QUIET_SECONDS} s for their ends to be recorded, then stops renewing leases and closes
   * the stores.
   */
  @Override
  public void close() {
    dispatcher.stop();
    synchronized (this) {
      if (ticker != null) {
        ticker.shutdownNow();
      }
    }
    if (!dispatcher.awaitLaunches(Duration.ofSeconds(QUIET_SECONDS))) {
      log.warn("shutting down with launches still in flight after {} s", QUIET_SECONDS);
    }
    launcher.close();
    if (!dispatcher.awaitEnds(Duration.ofSeconds(QUIET_SECONDS))) {
      log.warn("shutting down with build ends still being written after {} s", QUIET_SECONDS);
    }
    dispatcher.leases().close();
    stores.close();
  }

  private void tickQuietly() {
    try {
      dispatcher.tick().get(config.leaseDuration().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("dispatcher round failed; retrying in {}", config.dispatchInterval(), e);
    }
  }

  /**
   * A store failed after the admission step may have given the build its dedupe place: free the
   * place and fail a record that is still queued, so that the parser is not blocked until the record
   * expires and a queue entry the step may have written is acknowledged without a launch; then pass
   * the error on. A lease the step may have taken is never renewed, so it expires and is reaped.
   */
  private <T> CompletableFuture<T> abandon(Build build, Throwable error) {
    var records = stores.records();
    return records
        .releaseActive(build.namespace(), build.parserId(), build.id())
        .thenCompose(v -> records.get(build.namespace(), build.id()))
        .thenCompose(
            found -> found.isPresent() && found.get().state() == BuildState.QUEUED
                ? records.put(found.get().failed(clock.instant(), "admission failed: " + error), config.recordTtl())
                : done((Void) null))
        .handle((v, cleanupError) -> null)
        .thenCompose(v -> CompletableFuture.<T>failedFuture(error));
  }

  private Queued queued(Build build, long position, int limit) {
    Instant eta = durations.estimatedStart(build.namespace(), position, limit, clock.instant());
    return new Queued(build, position, eta);
  }

  private AtCapacity atCapacity(Build build, boolean queueFull, int limit) {
    return new AtCapacity(build.namespace(), limit, queueFull, durations.untilSlotFrees(build.namespace(), limit));
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
                return refuseDeferred(build, limit);
              }
              metrics.queued(build.namespace(), build.createdAt());
              AdmissionResult queued = queued(build, enqueued.position(), limit);
              // The launcher may have come back between the deferral and the enqueue: look again.
              return dispatcher.drain(build.namespace()).handle((v, error) -> queued);
            });
  }

  /** The build took a slot but its launch was deferred, and it cannot wait: forget it. */
  private CompletableFuture<AdmissionResult> refuseDeferred(Build build, int limit) {
    metrics.rejected(build.namespace(), false);
    var records = stores.records();
    return records
        .delete(build.id())
        .thenCompose(v -> records.releaseActive(build.namespace(), build.parserId(), build.id()))
        .thenApply(v -> atCapacity(build, false, limit));
  }

  private static boolean isDeferral(Throwable error) {
    return network.notifi.sluice.jobs.internal.Futures.unwrap(error)
        instanceof network.notifi.sluice.jobs.spi.LaunchDeferredException;
  }

  private static String resultName(AdmissionResult result) {
    if (result instanceof Started) {
      return "started";
    } else if (result instanceof Queued) {
      return "queued";
    } else if (result instanceof AlreadyActive) {
      return "already_active";
    } else if (result instanceof BackingOff) {
      return "backing_off";
    }
    return "at_capacity";
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
