package network.notifi.sluice.jobs.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the ends of builds: frees the slot once, opens or resets the parser's failure backoff,
 * writes the final record and frees the parser's active claim, in that order.
 *
 * <p>Invariant: an end is recorded once. The release of the slot (or the reaping of its expired
 * lease) decides which report acts; a final record is never overwritten, so a late or repeated
 * report cannot turn one end into two. Only an outcome that says so ({@link
 * JobOutcome#parserFault()}) opens a backoff. A step that fails is retried from there on the next
 * tick; a retry before the record is written may count one failure twice towards the backoff, never
 * lose it. Thread-safe; nothing here blocks.
 */
public final class EndRecorder {

  private static final Logger log = LoggerFactory.getLogger(EndRecorder.class);

  /** The failure reason of a build whose lease expired. */
  public static final String LEASE_EXPIRED = "lease expired: the replica running it stopped renewing it";

  private final JobsConfig config;
  private final JobStores stores;
  private final Clock clock;
  private final JobsMetrics metrics;
  private final DurationEstimator durations;
  private final BackoffPolicy backoff;
  private final LeaseKeeper leases;
  private final GaugeRefresher gauges;
  private final Queue<PendingEnd> toRetry = new ConcurrentLinkedQueue<>();
  private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();

  public EndRecorder(JobsConfig config, JobStores stores, Clock clock, JobsMetrics metrics,
      DurationEstimator durations, LeaseKeeper leases, GaugeRefresher gauges) {
    this.config = Objects.requireNonNull(config, "config");
    this.stores = Objects.requireNonNull(stores, "stores");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.durations = Objects.requireNonNull(durations, "durations");
    this.backoff = new BackoffPolicy(config.failureBackoffPeriod(), config.failureBackoffMax());
    this.leases = Objects.requireNonNull(leases, "leases");
    this.gauges = Objects.requireNonNull(gauges, "gauges");
  }

  /**
   * Frees the slot of an ended build once and records its end. A store that fails part-way leaves
   * the end for {@link #retryFailed} (the build stays owned, so its lease is renewed meanwhile
   * instead of expiring into a wrong "lease expired" failure). Never completes exceptionally.
   */
  public CompletableFuture<Void> record(JobOutcome outcome) {
    return tracked(process(new PendingEnd(outcome, false, false, null)));
  }

  /** Records again the ends whose recording failed part-way. */
  public CompletableFuture<Void> retryFailed() {
    List<CompletableFuture<Void>> retries = new ArrayList<>();
    for (PendingEnd pending; (pending = toRetry.poll()) != null; ) {
      retries.add(tracked(process(pending)));
    }
    return CompletableFuture.allOf(retries.toArray(CompletableFuture[]::new));
  }

  /** Fails the builds of the namespace whose lease expired (not the parser's fault). */
  public CompletableFuture<Void> reap(String namespace) {
    return stores
        .slots()
        .reapExpired(namespace)
        .thenCompose(expired -> {
          CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
          for (Lease lease : expired) {
            log.warn("build {} in {}: {}", lease.buildId(), namespace, LEASE_EXPIRED);
            chain = chain.thenCompose(v -> finish(namespace, lease.buildId(), false, LEASE_EXPIRED, false, false));
          }
          return chain;
        });
  }

  /**
   * Records the end of a build that no longer holds a slot, unless its record already ended. {@code
   * parserFault} false: failures the parser did not cause (launch errors, expired leases), no
   * backoff.
   */
  public CompletableFuture<Void> finish(String namespace, String buildId, boolean succeeded, String reason,
      boolean parserFault) {
    return finish(namespace, buildId, succeeded, reason, parserFault, false);
  }

  /** Waits up to {@code timeout} for the ends being recorded now; true if none is left. */
  public boolean awaitRecorded(Duration timeout) {
    try {
      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return inFlight.isEmpty();
    }
  }

  private CompletableFuture<Void> tracked(CompletableFuture<Void> work) {
    if (!work.isDone()) {
      inFlight.add(work);
      work.whenComplete((v, e) -> inFlight.remove(work));
    }
    return work;
  }

  private CompletableFuture<Void> process(PendingEnd pending) {
    JobOutcome outcome = pending.outcome();
    String namespace = outcome.namespace();
    if (pending.recorded() != null) {
      // The final record is written: what is left is the active claim.
      return afterRecord(pending.recorded())
          .exceptionally(error -> retryLater(pending, error));
    }
    CompletableFuture<Boolean> release =
        pending.released()
            ? CompletableFuture.completedFuture(true)
            : stores.slots().release(namespace, outcome.buildId());
    return release
        .thenCompose(released -> {
          if (!released && !pending.retried()) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          // On a retry, a release that answered "not held" may be our own earlier release whose
          // answer was lost: then only a record that still runs is ended.
          return finish(namespace, outcome.buildId(), outcome.succeeded(), outcome.failureReason().orElse(null),
                  outcome.parserFault(), !released)
              .exceptionally(error -> retryLater(new PendingEnd(outcome, true, true, null), error));
        })
        .exceptionally(error -> retryLater(new PendingEnd(outcome, false, true, null), error));
  }

  private CompletableFuture<Void> finish(String namespace, String buildId, boolean succeeded, String reason,
      boolean parserFault, boolean onlyIfRunning) {
    leases.disown(namespace, buildId);
    Instant now = clock.instant();
    return stores
        .records()
        .get(namespace, buildId)
        .thenCompose(found -> {
          if (found.isEmpty()) {
            log.warn("build {} in {} ended but its record is gone", buildId, namespace);
            return gauges.refreshSoon(namespace);
          }
          Build build = found.get();
          boolean ends = onlyIfRunning ? build.state() == BuildState.RUNNING : build.state().isActive();
          if (!ends) {
            log.debug("build {} in {} already ended {}; a second end is not recorded", buildId, namespace,
                build.state().code());
            return gauges.refreshSoon(namespace);
          }
          Build ended = succeeded ? build.succeeded(now) : build.failed(now, reason);
          Duration ranFor = build.startedAt().map(s -> Duration.between(s, now)).orElse(null);
          // The backoff before the record: a start of the same parser that finds the record ended
          // (and takes over the active claim, which is freed last) must find the window open too.
          // Until the record is written, such a start is answered as a duplicate of this build.
          return updateBackoff(ended, succeeded, parserFault, now)
              .thenCompose(v -> stores.records().update(ended, config.recordTtl()))
              .thenCompose(v -> {
                if (ranFor != null) {
                  durations.record(namespace, ranFor);
                }
                metrics.finished(namespace, succeeded, ranFor);
                return afterRecord(ended)
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(new RecordedEndUnsettled(ended, e)));
              });
        });
  }

  /**
   * What follows the final record: the parser's active claim, the gauges. On its own, so that a retry
   * after the record was written does not skip it (a written record is never ended twice).
   */
  private CompletableFuture<Void> afterRecord(Build ended) {
    return stores.records().releaseActive(ended.namespace(), ended.parserId(), ended.id())
        .thenCompose(v -> gauges.refreshSoon(ended.namespace()));
  }

  /**
   * Queues {@code pending} (or, once its record is written, what is left of it) for the next round,
   * and says which step failed: the slot's release or the end's record.
   */
  private Void retryLater(PendingEnd pending, Throwable error) {
    Throwable cause = Futures.unwrap(error);
    PendingEnd next = cause instanceof RecordedEndUnsettled r
        ? new PendingEnd(pending.outcome(), true, true, r.ended)
        : pending;
    toRetry.add(next);
    log.warn("{} build {} in {} failed, will retry: {}",
        next.released() ? "recording the end of" : "releasing the slot of ended", pending.outcome().buildId(),
        pending.outcome().namespace(), (cause instanceof RecordedEndUnsettled ? cause.getCause() : cause).toString());
    return null;
  }

  /** The final record of {@code ended} was written, a later step of its end failed. */
  private static final class RecordedEndUnsettled extends RuntimeException {
    final Build ended;

    RecordedEndUnsettled(Build ended, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.ended = ended;
    }
  }

  private CompletableFuture<Void> updateBackoff(Build build, boolean succeeded, boolean parserFault, Instant now) {
    var backoffs = stores.backoffs();
    if (succeeded) {
      return backoffs.reset(build.namespace(), build.parserId());
    }
    if (!parserFault) {
      return CompletableFuture.completedFuture(null);
    }
    // The window this failure opens is known only once the store has counted it; the longest one
    // bounds it, so the count outlives the window by at least the longest window.
    return backoffs
        .recordFailure(build.namespace(), build.parserId(), backoff.keepCountFor(backoff.max()))
        .thenCompose(failures -> {
          Instant until = now.plus(backoff.windowAfter(failures));
          metrics.backoffOpened(build.namespace(), build.parserId(), until);
          return backoffs.open(build.namespace(), build.parserId(), until);
        });
  }

  /**
   * An end whose recording failed part-way: whether its slot is already released, that it is a retry,
   * and its final record once written (null before).
   */
  private record PendingEnd(JobOutcome outcome, boolean released, boolean retried, Build recorded) {}
}
