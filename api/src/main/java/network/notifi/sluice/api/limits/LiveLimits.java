package network.notifi.sluice.api.limits;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limits this replica decides with, kept in step with a {@link LimitsStore}: a change made
 * here (the admin API, a reloaded configuration file) is published to the store and applied; a
 * change made on another replica is seen by reading the store every {@code pollInterval} (500 ms in
 * production, so every replica applies a change within a second; a replica that missed a read
 * converges on the next). A version is applied once, in order, and never an older one; each applied
 * version is one log line saying what changed, and {@code sluice_config_version} is the version in
 * force.
 *
 * <p>While the store does not answer (Redis down at start) the replica decides with its file's
 * limits, version 0, and keeps trying. Thread-safe.
 */
public final class LiveLimits implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveLimits.class);

  private final MultiLevelLimiter limiter;
  private final LimitsStore store;
  private final Duration pollInterval;
  private final ScheduledExecutorService poller;
  private volatile LimitsInForce current;
  // The file's limits not yet handed to the store (at start, or a reload while it did not answer).
  private volatile LimiterConfig pendingFile;

  public LiveLimits(MultiLevelLimiter limiter, LimitsStore store, MeterRegistry registry, Duration pollInterval) {
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.store = Objects.requireNonNull(store, "store");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.current = new LimitsInForce(0, LimitsInForce.FILE, Instant.now(), limiter.config());
    this.poller = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-limits"));
    Gauge.builder("sluice_config_version", this, live -> live.current.version())
        .description("The version of the rate limits in force on this replica; grows with every change")
        .register(registry);
  }

  /** Hands the file's limits (those the limiter started with) to the store and starts reading it. */
  public void start() {
    pendingFile = limiter.config();
    long millis = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::pollQuietly, 0, millis, TimeUnit.MILLISECONDS);
  }

  /** The limits in force here. */
  public LimitsInForce current() {
    return current;
  }

  /** Publishes {@code limits} as a change through the admin API and applies it here. */
  public CompletableFuture<LimitsInForce> change(LimiterConfig limits) {
    return store.publish(limits, LimitsInForce.ADMIN).thenApply(this::apply);
  }

  /**
   * A reloaded configuration file's limits: published when they differ from the file's last
   * published, then whatever is in force is applied here.
   */
  public CompletableFuture<LimitsInForce> reloadFile(LimiterConfig fileLimits) {
    pendingFile = fileLimits;
    return poll();
  }

  private void pollQuietly() {
    poll().exceptionally(failure -> {
      LOG.debug("reading the shared rate limits failed: {}", failure.toString());
      return null;
    });
  }

  private CompletableFuture<LimitsInForce> poll() {
    LimiterConfig file = pendingFile;
    if (file != null) {
      return store.adoptFile(file).thenApply(inForce -> {
        if (pendingFile == file) {
          pendingFile = null;
        }
        return apply(inForce);
      });
    }
    return store.read().thenApply(read -> read.map(this::apply).orElse(current));
  }

  /** Applies {@code next} if it is newer than the version in force; answers the version in force. */
  private synchronized LimitsInForce apply(LimitsInForce next) {
    LimitsInForce before = current;
    if (next.version() <= before.version()) {
      return before;
    }
    limiter.reconfigure(next.version(), next.limits());
    current = next;
    LOG.info("rate limits version {} from {}: {}", next.version(), next.source(), changes(before.limits(), next.limits()));
    return next;
  }

  /** {@code global_rps 100 -> 150, ...}, or that nothing changed. */
  static String changes(LimiterConfig before, LimiterConfig after) {
    Map<String, Object> old = ConfigLoader.limitSettings(before);
    Map<String, Object> now = ConfigLoader.limitSettings(after);
    List<String> changed = new ArrayList<>();
    now.forEach((key, value) -> {
      if (!value.equals(old.get(key))) {
        changed.add(key + " " + old.get(key) + " -> " + value);
      }
    });
    return changed.isEmpty() ? "no value changed" : String.join(", ", changed);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
