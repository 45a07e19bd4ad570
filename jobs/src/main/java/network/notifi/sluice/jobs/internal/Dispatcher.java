package network.notifi.sluice.jobs.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts builds that hold slots and drains queues as slots free; launches go to {@link Launches},
 * queue draining to {@link QueueDrain}, ends to the {@link EndRecorder}, leases to the {@link
 * LeaseKeeper}, gauges to the {@link GaugeRefresher}.
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
 * <p>Shutdown: {@link #stop} first, then {@link #awaitLaunches} before the launcher closes. From the
 * stop on, no launch reaches the launcher; a build claimed or admitted meanwhile goes back to the
 * queue. Thread-safe; nothing here blocks on a store.
 */
public final class Dispatcher implements JobListener {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** The failure reason of a build whose lease expired. */
  public static final String LEASE_EXPIRED = EndRecorder.LEASE_EXPIRED;

  private final JobsConfig config;
  private final LeaseKeeper leases;
  private final GaugeRefresher gauges;
  private final EndRecorder ends;
  private final InFlight inFlight = new InFlight();
  private final Launches launches;
  private final QueueDrain queues;

  public Dispatcher(
      JobsConfig config,
      JobStores stores,
      JobLauncher launcher,
      Clock clock,
      JobsMetrics metrics,
      DurationEstimator durations,
      String consumer) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(stores, "stores");
    Objects.requireNonNull(launcher, "launcher");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(consumer, "consumer");
    this.leases = new LeaseKeeper(stores.slots(), config.leaseDuration());
    this.gauges = new GaugeRefresher(stores, metrics);
    this.ends = new EndRecorder(config, stores, clock, metrics, durations, leases, gauges);
    this.launches = new Launches(config, stores, launcher, clock, leases, ends, inFlight);
    this.queues = new QueueDrain(config, stores, launcher, metrics, consumer, launches, ends, gauges, inFlight);
  }

  /** The keeper of this replica's leases; {@link LeaseKeeper#start()} renews them periodically. */
  public LeaseKeeper leases() {
    return leases;
  }

  /**
   * Stops starting builds, here and in {@link #tick}: queued ones stay queued, and a launch asked
   * for from now on is deferred ({@link LaunchDeferredException#REPLICA_STOPPING}) without reaching
   * the launcher. Ends reported later are still recorded. Called when the replica shuts down, so
   * that its builds wait for another.
   */
  public void stop() {
    inFlight.stop();
  }

  /**
   * Waits up to {@code timeout} for the launches in flight and the claims being started or handed
   * back; true if none is left. Called on shutdown after {@link #stop} and before the launcher
   * closes.
   */
  public boolean awaitLaunches(Duration timeout) {
    return inFlight.await(timeout);
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
   * the launcher's error. A {@link LaunchDeferredException} instead (also once this dispatcher is
   * stopped) gives the slot back and records the build as waiting again; the caller puts it in the
   * queue.
   */
  public CompletableFuture<Build> launch(Build build) {
    return launches.launch(build);
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
              Launches.rootMessage(error));
          return null;
        });
  }

  /**
   * Starts queued builds of the namespace while it has free slots. Safe to run on many threads and
   * replicas at once: a claim whose slot another took is abandoned back to the queue.
   */
  public CompletableFuture<Void> drain(String namespace) {
    return queues.drain(namespace);
  }

  /**
   * Retries ends whose recording failed, then for every configured namespace ({@link
   * JobsConfig#namespaces()}, so the work of a round is bounded by configuration): fails builds
   * whose lease expired, starts queued builds, updates the gauges.
   */
  public CompletableFuture<Void> tick() {
    if (inFlight.stopping()) {
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
}
