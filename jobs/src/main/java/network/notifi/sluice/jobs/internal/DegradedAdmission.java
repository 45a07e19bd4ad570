package network.notifi.sluice.jobs.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildStatus;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.SharedStateHealth;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Build admission while the shared stores cannot be asked ({@code jobs.failure_mode: local}), and the
 * write-back of what it admitted once they answer again.
 *
 * <h2>The share</h2>
 * A replica may run {@code (limit - active) / n} builds of a namespace, rounded down, where {@code
 * active} is the last count of running builds the stores gave this replica (every admission and
 * every dispatcher round counts) and {@code n} the live replicas at the last heartbeat. With no count
 * yet (a replica that started without Redis) the share is 0. Builds admitted here that ended give
 * their place back; builds counted in {@code active} that end meanwhile do not (their end is not
 * known without the stores). So the replicas together run at most the free slots of the last count
 * on top of what ran then: never more than the limit, as long as every replica's last count is the
 * same one (Redis down for all). A build that would have to queue is refused ({@link
 * AdmissionResult.Degraded}). One active build per parser holds among the builds admitted here; failure backoff windows
 * are not known while degraded.
 *
 * <h2>Write-back</h2>
 * Until written back, a build admitted here is this class's: its end is kept ({@link #takeEnd}), its
 * status answered from memory. {@link #writeBack} (every dispatcher round, and before the first
 * admission that reaches the stores again) writes each one's record as running, claims its active
 * claim and takes a lease for it whatever the limit (it runs already), then hands it to the
 * dispatcher: a running build is adopted (its lease renewed), an ended one's end is processed as if
 * just reported, so its slot is released and its end recorded exactly once, with its backoff. Each
 * step is idempotent; a failed write-back is tried again in the next round.
 *
 * <p>A start whose admission step failed is refused, not admitted here ({@link
 * #refuseAfterFailedStep}): the step may still be applied later, so it is undone by the write-back
 * ({@link #cleanUpLater}).
 *
 * <p>Thread-safe; nothing blocks.
 */
public final class DegradedAdmission {

  private static final Logger log = LoggerFactory.getLogger(DegradedAdmission.class);

  /** The most failed steps remembered for clean-up; beyond it, their records expire. */
  static final int MAX_ABANDONED = 10_000;

  /** The failure reason of a refused build whose failed admission step Redis applied later. */
  public static final String ABANDONED = "admission failed: the shared state did not answer; the build was refused";

  /** {@code Retry-After} of a start refused while degraded. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

  /** A build admitted here while degraded, not yet written back; {@code end} once it ended. */
  private record Local(Build build, JobOutcome end, Instant endedAt) {
    boolean running() {
      return end == null;
    }
  }

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final Dispatcher dispatcher;
  private final SharedStateHealth health;
  private final Clock clock;
  private final Map<String, Integer> lastCounts = new ConcurrentHashMap<>();
  private final Map<String, Local> builds = new ConcurrentHashMap<>();
  // Builds refused after their admission step failed: cleaned up at the write-back.
  private final Map<String, Build> abandoned = new ConcurrentHashMap<>();
  private final AtomicBoolean writingBack = new AtomicBoolean();
  private final Counter started;
  private final Counter refused;
  private final Counter writtenBack;

  public DegradedAdmission(JobsConfig config, JobStores stores, JobLauncher launcher, Dispatcher dispatcher,
      SharedStateHealth health, Clock clock, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.health = Objects.requireNonNull(health, "health");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.started = admissions(registry, "started");
    this.refused = admissions(registry, "refused");
    this.writtenBack = Counter.builder("jobs_degraded_written_back")
        .description("Builds admitted while degraded whose record and lease were written to the shared stores")
        .register(registry);
  }

  /** The stores counted {@code active} running builds in the namespace. */
  public void counted(String namespace, int active) {
    lastCounts.put(namespace, active);
  }

  /** Builds this replica may run in the namespace while degraded; see the class comment. */
  public int share(String namespace, int limit) {
    Integer active = lastCounts.get(namespace);
    if (active == null) {
      return 0;
    }
    return Math.max(0, limit - active) / Math.max(1, health.liveReplicas());
  }

  /** Whether builds admitted while degraded wait to be written back. */
  public boolean holdsBuilds() {
    return !builds.isEmpty();
  }

  /** Builds admitted while degraded and not yet written back, running or ended. */
  public int heldBuilds() {
    return builds.size();
  }

  /**
   * Refuses a build whose admission step failed. The step may still be applied when a stalled Redis
   * wakes up (it runs the commands it had queued), and a build it queued would then be started by a
   * dispatcher: starting it here too would start it twice. So only a start that never reached the
   * stores (they are known to be down) is admitted into the share. The caller has the build cleaned
   * up ({@link #cleanUpLater}).
   */
  public AdmissionResult refuseAfterFailedStep(Build build, int limit) {
    refused.increment();
    return new AdmissionResult.Degraded(build.namespace(), share(build.namespace(), limit), RETRY_AFTER);
  }

  /**
   * Remembers a build whose admission step failed or was given up on: at the next write-back that
   * reaches the stores, a record the step wrote is failed and its active claim freed, so that its
   * queue entry is dropped without a launch (a slot it took expires unrenewed). Not awaited by the
   * start, which is answered at once.
   */
  public void cleanUpLater(Build build) {
    if (abandoned.size() < MAX_ABANDONED) {
      abandoned.put(build.id(), build);
    }
  }

  /**
   * Admits {@code build} (new, queued) into this replica's share and launches it, or answers the
   * build of the same parser admitted here, or refuses. Fails only if the launcher fails.
   */
  public CompletableFuture<AdmissionResult> admit(Build build, int limit) {
    String namespace = build.namespace();
    Build running;
    int share;
    int place;
    synchronized (this) {
      int runningHere = 0;
      for (Local local : builds.values()) {
        if (local.running() && local.build().namespace().equals(namespace)) {
          if (local.build().parserId().equals(build.parserId())) {
            return CompletableFuture.completedFuture(new AdmissionResult.AlreadyActive(BuildStatus.of(local.build())));
          }
          runningHere++;
        }
      }
      share = share(namespace, limit);
      if (runningHere >= share || !launcher.available()) {
        refused.increment();
        return CompletableFuture.completedFuture(new AdmissionResult.Degraded(namespace, share, RETRY_AFTER));
      }
      running = build.running(clock.instant());
      place = runningHere + 1;
      builds.put(build.id(), new Local(running, null, null));
    }
    return launcher.launch(running).handle((v, error) -> {
      if (error == null) {
        started.increment();
        log.info("build {} of {} in {} started while degraded ({} of this replica's share of {})", build.id(),
            build.parserId(), namespace, place, share);
        return CompletableFuture.<AdmissionResult>completedFuture(new AdmissionResult.Started(running));
      }
      builds.remove(build.id());
      if (Futures.unwrap(error) instanceof LaunchDeferredException) {
        refused.increment();
        return CompletableFuture.<AdmissionResult>completedFuture(
            new AdmissionResult.Degraded(namespace, share, RETRY_AFTER));
      }
      return CompletableFuture.<AdmissionResult>failedFuture(error);
    }).thenCompose(f -> f);
  }

  /**
   * Keeps the end of a build admitted here and not yet written back; false for any other build, whose
   * end the dispatcher processes.
   */
  public boolean takeEnd(JobOutcome outcome) {
    Instant now = clock.instant();
    return builds.computeIfPresent(outcome.buildId(),
        (id, local) -> local.running() ? new Local(local.build(), outcome, now) : local) != null;
  }

  /** A build admitted here and not yet written back, as it stands. */
  public Optional<BuildStatus> status(String buildId) {
    Local local = builds.get(buildId);
    if (local == null) {
      return Optional.empty();
    }
    if (local.running()) {
      return Optional.of(BuildStatus.of(local.build()));
    }
    JobOutcome end = local.end();
    Build ended = end.succeeded()
        ? local.build().succeeded(local.endedAt())
        : local.build().failed(local.endedAt(), end.failureReason().orElse("failed"));
    return Optional.of(BuildStatus.of(ended));
  }

  /**
   * Writes the builds admitted while degraded to the stores, one after another, and hands them to the
   * dispatcher; stops at the first failure (the stores are still down) and leaves the rest for the
   * next call. One write-back at a time; completes normally.
   */
  public CompletableFuture<Void> writeBack() {
    if ((builds.isEmpty() && abandoned.isEmpty()) || !writingBack.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (Local local : new ArrayList<>(builds.values())) {
      chain = chain.thenCompose(v -> writeBack(local.build()));
    }
    for (Build build : new ArrayList<>(abandoned.values())) {
      chain = chain.thenCompose(v -> cleanUp(build));
    }
    return chain.handle((v, error) -> {
      writingBack.set(false);
      if (error != null) {
        log.debug("writing back builds admitted while degraded failed; retrying in the next round: {}",
            Futures.unwrap(error).toString());
      }
      return null;
    });
  }

  private CompletableFuture<Void> writeBack(Build running) {
    String namespace = running.namespace();
    return stores.records()
        .put(running, config.recordTtl())
        .thenCompose(v -> stores.records().claimActive(namespace, running.parserId(), running.id(), config.recordTtl()))
        // It runs already: the lease is taken whatever the limits, so the stores count it from now on.
        .thenCompose(holder -> stores.slots()
            .acquire(namespace, running.id(), running.thirdParty(), SlotLimits.NONE, config.leaseDuration()))
        .thenAccept(lease -> handOver(running));
  }

  /** Undoes what a failed step may have written for a build that was refused ({@link StepUndo}). */
  private CompletableFuture<Void> cleanUp(Build build) {
    return StepUndo.undo(stores, build, ABANDONED, clock.instant(), config.recordTtl())
        .thenRun(() -> abandoned.remove(build.id()));
  }

  /** From here on the dispatcher owns the build: its lease is renewed, its end (now or later) processed there. */
  private void handOver(Build running) {
    Local local = builds.remove(running.id());
    if (local == null) {
      return;
    }
    writtenBack.increment();
    log.info("build {} in {}, admitted while degraded, is written back ({})", running.id(), running.namespace(),
        local.running() ? "running" : "ended");
    if (local.running()) {
      dispatcher.adopt(running.namespace(), running.id());
    } else {
      dispatcher.onJobEnded(local.end());
    }
  }

  private static Counter admissions(MeterRegistry registry, String result) {
    return Counter.builder("jobs_degraded_admissions")
        .description("Build starts answered from this replica's share while the shared job stores could not be asked")
        .tag("result", result)
        .register(registry);
  }
}
