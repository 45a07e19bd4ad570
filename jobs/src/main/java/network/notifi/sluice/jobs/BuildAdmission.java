package network.notifi.sluice.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.AtCapacity;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.internal.DegradedAdmission;
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
import network.notifi.sluice.jobs.spi.SharedStateHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Over 300 lines because the class comment is admission's user documentation (order of checks,
// failure modes); the work itself is in AdmissionAnswers, DispatchSchedule and the dispatcher.
/**
 * Build admission: decides for each start request whether the build starts, waits in the queue, or
 * is refused, and answers status queries.
 *
 * <p>A start goes through, in order: the parser's failure backoff in the namespace ({@link
 * BackingOff}); the parser's active claim, where a build of the same parser already queued or running is the answer
 * ({@link AlreadyActive}); a slot in the namespace ({@link Started}); else, with {@code on_capacity:
 * queue}, the namespace's queue ({@link Queued}), or {@link AtCapacity} when rejecting or when the
 * queue is full. A namespace whose queue holds builds queues new ones behind them rather than let
 * them take a freed slot first. A slot is free when the namespace's slots, {@code
 * jobs.max_concurrent_total} and {@code jobs.max_concurrent_per_third_party} all have room
 * ({@link JobsConfig#slotLimits}); a build that finds a cap full is queued or refused as one that
 * finds its namespace full, and {@link AtCapacity#full()} says which limit it was.
 *
 * <p>State lives in the {@link JobStores}, so replicas sharing a backend share slots, queues,
 * backoff and records. Build ends reach the admission through the {@link JobLauncher}; the
 * dispatcher then starts queued builds (see {@link #startDispatcher()}).
 *
 * <p>With {@code jobs.failure_mode: local}, while the shared stores are known to be down ({@link
 * SharedStateHealth#unavailable()}, and admission's own last step or round failed) a start is admitted into this replica's share of the namespace's
 * free slots at the last count, or refused ({@link AdmissionResult.Degraded}); what was admitted
 * meanwhile is written back once the stores answer (see {@link DegradedAdmission}). A start whose
 * step failed is refused ({@link AdmissionResult.Degraded}): the step may still be applied later. With
 * {@code closed}, the start fails as the stores did. A step the stores have not answered within
 * {@link SharedStateHealth#stepTimeout()} has failed: a stalled backend never answers.
 *
 * <p>The answer to each step is worked out by the package's {@code AdmissionAnswers}, the periodic
 * rounds run by its {@code DispatchSchedule}.
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
  private final Dispatcher dispatcher;
  private final JobsFailureMode failureMode;
  private final SharedStateHealth health;
  private final DegradedAdmission degraded;
  private final AdmissionAnswers answers;
  private final DispatchSchedule schedule;
  // The last admission step or dispatcher round failed.
  private volatile boolean storesFailing;

  private BuildAdmission(JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock, MeterRegistry registry,
      JobsFailureMode failureMode, SharedStateHealth health) {
    this.config = Objects.requireNonNull(config, "config");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics =
        new JobsMetrics(Objects.requireNonNull(registry, "registry"), config.namespaces(), config::limitFor, clock);
    metrics.caps(config.maxConcurrentTotal(), config.maxConcurrentPerThirdParty());
    var durations = new DurationEstimator(config.expectedBuildDuration());
    this.dispatcher =
        new Dispatcher(config, stores, launcher, clock, metrics, durations, "dispatcher-" + UUID.randomUUID());
    this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
    this.health = Objects.requireNonNull(health, "health");
    this.degraded = new DegradedAdmission(config, stores, launcher, dispatcher, health, clock, registry);
    this.answers = new AdmissionAnswers(config, stores, clock, metrics, durations, dispatcher);
    this.schedule = new DispatchSchedule(this::tick, config.dispatchInterval(), config.leaseDuration(),
        health::unavailable);
    metrics.onActiveCounted(degraded::counted);
    // Ends of builds admitted while degraded stay with them until written back.
    launcher.addListener(outcome -> {
      if (!degraded.takeEnd(outcome)) {
        dispatcher.onJobEnded(outcome);
      }
    });
    metrics.failureMode(failureMode.code(), this::isDegraded);
  }

  /**
   * An admission over the given stores and launcher. The dispatcher does not run periodically until
   * {@link #startDispatcher()}; build ends still start queued builds at once. A failed store call
   * fails the start ({@link JobsFailureMode#CLOSED}): stores in this process do not go down.
   */
  public static BuildAdmission create(
      JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock, MeterRegistry registry) {
    return create(config, stores, launcher, clock, registry, JobsFailureMode.CLOSED, SharedStateHealth.IN_PROCESS);
  }

  /**
   * As {@link #create(JobsConfig, JobStores, JobLauncher, Clock, MeterRegistry)} over shared stores:
   * {@code health} says when they cannot be asked, {@code failureMode} what admission does then.
   */
  public static BuildAdmission create(JobsConfig config, JobStores stores, JobLauncher launcher, Clock clock,
      MeterRegistry registry, JobsFailureMode failureMode, SharedStateHealth health) {
    return new BuildAdmission(config, stores, launcher, clock, registry, failureMode, health);
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

  public JobsFailureMode failureMode() {
    return failureMode;
  }

  /**
   * Whether admission cannot ask its shared stores now (they are known to be down, or the last step
   * failed), or still holds builds admitted meanwhile that are not written back.
   */
  public boolean isDegraded() {
    return health.unavailable() || storesFailing || degraded.holdsBuilds();
  }

  /**
   * Local admission needs both signs that the stores are down: the backend's (its breaker is open)
   * and admission's own (its last step or dispatcher round failed). A breaker that opens while the
   * job stores answer (slow bucket calls on a loaded replica) must not make one replica admit from
   * its share while the others fill the namespace through the stores: together they would run more
   * than the limit.
   */
  private boolean answersLocally() {
    return failureMode == JobsFailureMode.LOCAL && storesFailing && health.unavailable();
  }

  /** Builds admitted while degraded that are not yet written to the shared stores. */
  public int degradedBuilds() {
    return degraded.heldBuilds();
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
    var attempt = new AdmissionAttempt(build, config.slotLimits(namespace), launcher.available(), queueing,
        config.queueMaxDepth(), config.leaseDuration(), config.recordTtl());
    CompletableFuture<AdmissionResult> result =
        answersLocally() ? degraded.admit(build, limit) : viaStores(attempt, queueing);
    return result.thenApply(
        r -> {
          metrics.admission(namespace, AdmissionAnswers.metricName(r));
          return r;
        });
  }

  /**
   * The start through the stores: builds admitted while degraded are written back first, then the
   * admission step. Waits at most {@link SharedStateHealth#stepTimeout()} for both; a step that did not
   * answer by then is a failed step. A failed step is answered at once, not after undoing what it may
   * have written: against stores that do not answer the undoing would wait as long again. It is undone
   * by the next write-back instead ({@link DegradedAdmission#cleanUpLater}), every dispatcher round
   * once the stores answer. A step given up on is cancelled, so a store that has not sent it yet never
   * does.
   */
  private CompletableFuture<AdmissionResult> viaStores(AdmissionAttempt attempt, boolean queueing) {
    Build build = attempt.build();
    var asked = new AtomicReference<CompletableFuture<AdmissionStep>>();
    CompletableFuture<AdmissionStep> step = degraded.writeBack().thenCompose(v -> {
      asked.set(stores.admissions().admit(attempt));
      return asked.get();
    });
    Optional<Duration> timeout = health.stepTimeout();
    if (timeout.isPresent()) {
      step = step.orTimeout(timeout.get().toMillis(), TimeUnit.MILLISECONDS);
    }
    return step
        .handle((s, error) -> {
          storesFailing = error != null;
          if (error == null) {
            return answers.answer(build, attempt.limits().namespace(), queueing, s);
          }
          Optional.ofNullable(asked.get()).ifPresent(sent -> sent.cancel(false));
          Throwable cause = Futures.unwrap(error);
          if (cause instanceof TimeoutException && timeout.isPresent()) {
            cause = new TimeoutException("the shared job stores did not answer the admission step within "
                + timeout.get().toMillis() + " ms");
          }
          degraded.cleanUpLater(build);
          return failureMode == JobsFailureMode.LOCAL
              ? done(degraded.refuseAfterFailedStep(build, attempt.limits().namespace()))
              : CompletableFuture.<AdmissionResult>failedFuture(cause);
        })
        .thenCompose(f -> f);
  }

  /** The build's record and, while it waits, its place in the queue; empty if unknown or expired. */
  public CompletableFuture<Optional<BuildStatus>> status(String buildId) {
    Objects.requireNonNull(buildId, "buildId");
    Optional<BuildStatus> local = degraded.status(buildId);
    if (local.isPresent()) {
      return done(local);
    }
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
    return degraded.writeBack()
        .thenCompose(v -> dispatcher.leases().renewAll())
        .thenCompose(v -> dispatcher.tick())
        .whenComplete((v, error) -> storesFailing = error != null);
  }

  /**
   * Renews leases every third of {@code jobs.lease_duration} and runs the dispatcher every {@code
   * jobs.dispatch_interval}, on daemon threads of their own. Idempotent.
   */
  public void startDispatcher() {
    dispatcher.leases().start();
    schedule.start();
  }

  /**
   * Shuts down without losing a build: stops launching (queued builds stay queued, claims are
   * handed back, and a build claimed or admitted meanwhile goes back to the queue with reason {@code
   * replica_stopping}, for another replica), waits up to {@value #QUIET_SECONDS} s for the launches
   * and claims in flight, closes the launcher (local builds are killed and end {@code interrupted}, not the
   * parser's fault; Kubernetes Jobs keep running for another replica to adopt), waits up to
   * {@value #QUIET_SECONDS} s for their ends to be recorded, then stops renewing leases and closes
   * the stores.
   */
  @Override
  public void close() {
    dispatcher.stop();
    schedule.stop();
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

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
