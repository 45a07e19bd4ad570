package network.notifi.sluice.jobs.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.QueueClaim;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts builds that hold slots, ends them, and drains queues as slots free.
 *
 * <p>When a build ends here, the next queued build of its namespace starts at once, on the thread
 * that reported the end. {@link #tick} does the rest, periodically: renews the leases of builds this
 * replica launched, marks builds whose lease expired as failed, and drains every namespace, which
 * picks up slots freed on other replicas. A shared backend must make a freed slot start the next
 * queued build on some replica within 1 s: a tick interval under 1 s does it, and a backend may add
 * a nudge (Redis pub/sub) that calls {@link #drain} on every replica.
 *
 * <p>Every end is acted on once: the release of the slot (or the reaping of its expired lease) is
 * the one place that decides. Thread-safe; nothing here blocks on a store.
 */
public final class Dispatcher implements JobListener {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** The failure reason of a build whose lease expired. */
  public static final String LEASE_EXPIRED = "lease expired: the replica running it stopped renewing it";

  private final JobsConfig config;
  private final JobStores stores;
  private final JobLauncher launcher;
  private final Clock clock;
  private final JobsMetrics metrics;
  private final DurationEstimator durations;
  private final BackoffPolicy backoff;
  private final String consumer;
  private final java.util.Queue<PendingEnd> endsToRetry = new java.util.concurrent.ConcurrentLinkedQueue<>();
  // Builds launched by this replica and not yet ended: their leases are renewed here.
  private final Set<Owned> owned = ConcurrentHashMap.newKeySet();
  private final Set<String> configuredNamespaces = new TreeSet<>();
  private final ConcurrentHashMap<String, AtomicInteger> refreshes = new ConcurrentHashMap<>();
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
    this.durations = Objects.requireNonNull(durations, "durations");
    this.backoff = new BackoffPolicy(config.failureBackoffPeriod(), config.failureBackoffMax());
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    configuredNamespaces.add(config.defaultNamespace());
    configuredNamespaces.addAll(config.namespaceLimits().keySet());
  }

  /**
   * Stops starting queued builds, here and in {@link #tick}; ends reported later are still
   * recorded. Called when the replica shuts down, so that its queued builds wait for another.
   */
  public void stop() {
    stopped = true;
  }

  /**
   * Launches a build that holds a slot: writes it as running, then starts its job. If the job cannot
   * be started, the build is failed (no backoff: not the parser's fault), its slot and dedupe place
   * freed, and the future fails with the launcher's error.
   */
  public CompletableFuture<Build> launch(Build build) {
    Build running = build.running(clock.instant());
    Owned mine = new Owned(build.namespace(), build.id());
    owned.add(mine);
    return stores
        .records()
        .update(running, config.recordTtl())
        .thenCompose(v -> launcher.launch(running))
        .thenApply(v -> running)
        .exceptionallyCompose(
            error -> {
              owned.remove(mine);
              Throwable cause = root(error);
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
                  .thenCompose(released -> finish(build.namespace(), build.id(), false, reason, false))
                  .thenCompose(v -> CompletableFuture.<Build>failedFuture(error));
            });
  }

  /**
   * Takes over the lease of a build this replica launched without the dispatcher (admitted while the
   * stores were degraded, then written back): renews it from now on until the build ends.
   */
  public void adopt(String namespace, String buildId) {
    owned.add(new Owned(namespace, buildId));
  }

  /** A launcher reports the end of a job: free its slot once, record it, start the next build. */
  @Override
  public void onJobEnded(JobOutcome outcome) {
    processEnd(new PendingEnd(outcome, false, false));
  }

  /**
   * Frees the slot of an ended build once and records its end. A store that fails part-way leaves
   * the end for the next {@link #tick} (the build stays owned, so its lease is renewed meanwhile
   * instead of being held forever or expiring into a wrong "lease expired" failure).
   */
  private CompletableFuture<Void> processEnd(PendingEnd pending) {
    JobOutcome outcome = pending.outcome();
    String namespace = outcome.namespace();
    CompletableFuture<Boolean> release =
        pending.released()
            ? CompletableFuture.completedFuture(true)
            : stores.slots().release(namespace, outcome.buildId());
    return release
        .thenCompose(released -> {
          if (released || pending.retried()) {
            // On a retry, a release that answered "not held" may be our own earlier release whose
            // answer was lost: finish() only writes the end of a build whose record still runs.
            return finishIfRunning(outcome, !released && pending.retried())
                .exceptionally(error -> {
                  endsToRetry.add(new PendingEnd(outcome, true, true));
                  log.warn("recording the end of build {} in {} failed, will retry: {}",
                      outcome.buildId(), namespace, rootMessage(error));
                  return null;
                });
          }
          return CompletableFuture.<Void>completedFuture(null);
        })
        .exceptionally(error -> {
          endsToRetry.add(new PendingEnd(outcome, false, true));
          log.warn("releasing the slot of ended build {} in {} failed, will retry: {}",
              outcome.buildId(), namespace, rootMessage(error));
          return null;
        })
        .thenCompose(v -> drain(namespace))
        .exceptionally(error -> {
          log.warn("draining {} after the end of build {} failed: {}", namespace, outcome.buildId(), rootMessage(error));
          return null;
        });
  }

  private CompletableFuture<Void> finishIfRunning(JobOutcome outcome, boolean onlyIfRunning) {
    String namespace = outcome.namespace();
    if (!onlyIfRunning) {
      return finish(namespace, outcome.buildId(), outcome.succeeded(), outcome.failureReason().orElse(null),
          outcome.parserFault());
    }
    return stores.records().get(namespace, outcome.buildId()).thenCompose(found ->
        found.isPresent() && found.get().state() == network.notifi.sluice.jobs.BuildState.RUNNING
            ? finish(namespace, outcome.buildId(), outcome.succeeded(), outcome.failureReason().orElse(null),
                outcome.parserFault())
            : CompletableFuture.completedFuture(null));
  }

  /** An end whose processing failed part-way: whether its slot is already released, and that it is a retry. */
  private record PendingEnd(JobOutcome outcome, boolean released, boolean retried) {}

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
   * Renews owned leases, then for every namespace that is configured or holds leases or queued
   * builds: fails builds whose lease expired, starts queued builds, updates the gauges.
   */
  public CompletableFuture<Void> tick() {
    if (stopped) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<?>> renewals = new ArrayList<>();
    for (PendingEnd pending; (pending = endsToRetry.poll()) != null; ) {
      renewals.add(processEnd(pending));
    }
    for (Owned mine : owned) {
      renewals.add(
          stores
              .slots()
              .renew(mine.namespace(), mine.buildId(), config.leaseDuration())
              .thenAccept(
                  renewed -> {
                    if (!renewed) {
                      owned.remove(mine);
                    }
                  }));
    }
    return CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new))
        .thenCompose(v -> stores.slots().namespaces())
        .thenCombine(stores.queue().namespaces(), (a, b) -> union(a, b))
        .thenCompose(
            namespaces -> {
              List<CompletableFuture<?>> work = new ArrayList<>();
              for (String namespace : namespaces) {
                work.add(reap(namespace).thenCompose(v -> drain(namespace)).thenCompose(v -> refresh(namespace)));
              }
              return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
            });
  }

  /** Updates the namespace's gauges from the stores. */
  public CompletableFuture<Void> refresh(String namespace) {
    return stores
        .slots()
        .active(namespace)
        .thenCombine(
            stores.queue().depth(namespace),
            (active, depth) -> {
              metrics.active(namespace, active);
              metrics.queueDepth(namespace, depth);
              return null;
            })
        .thenCompose(v -> stores.queue().oldestEnqueuedAt(namespace))
        .thenAccept(oldest -> metrics.oldestQueued(namespace, oldest));
  }

  /**
   * Refreshes the namespace's gauges after a build started or ended, with at most one refresh in
   * flight per namespace: asking while one runs makes it run once more when it is done. A burst of
   * ends and starts then costs one refresh at a time instead of three store calls each. Returns at
   * once (the in-process stores have refreshed by then); a failed refresh is left to the next tick.
   */
  private CompletableFuture<Void> refreshSoon(String namespace) {
    AtomicInteger state = refreshes.computeIfAbsent(namespace, k -> new AtomicInteger());
    while (true) {
      int current = state.get();
      if (current == 2) {
        return CompletableFuture.completedFuture(null);
      }
      if (state.compareAndSet(current, current + 1)) {
        if (current == 0) {
          refreshLoop(namespace, state);
        }
        return CompletableFuture.completedFuture(null);
      }
    }
  }

  // state: 0 idle, 1 refreshing, 2 refreshing and asked again.
  private void refreshLoop(String namespace, AtomicInteger state) {
    refresh(namespace).whenComplete((v, error) -> {
      if (error != null) {
        log.debug("refreshing the gauges of {} failed: {}", namespace, rootMessage(error));
      }
      if (state.getAndDecrement() == 2) {
        refreshLoop(namespace, state);
      }
    });
  }

  private Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(configuredNamespaces);
    all.addAll(a);
    all.addAll(b);
    return all;
  }

  private CompletableFuture<Void> reap(String namespace) {
    return stores
        .slots()
        .reapExpired(namespace)
        .thenCompose(
            expired -> {
              CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
              for (Lease lease : expired) {
                owned.remove(new Owned(namespace, lease.buildId()));
                log.warn("build {} in {}: {}", lease.buildId(), namespace, LEASE_EXPIRED);
                chain = chain.thenCompose(v -> finish(namespace, lease.buildId(), false, LEASE_EXPIRED, false));
              }
              return chain;
            });
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
      step.whenComplete(
          (more, error) -> {
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

  /** Starts the next queued build if a slot is free; true if the queue may have more to start. */
  private CompletableFuture<Boolean> startNext(String namespace) {
    int limit = config.limitFor(namespace);
    return stores
        .slots()
        .active(namespace)
        .thenCompose(
            active ->
                active >= limit
                    ? CompletableFuture.completedFuture(Optional.<QueueClaim>empty())
                    : stores.queue().claim(namespace, consumer, config.leaseDuration()))
        .thenCompose(
            claim -> claim.isEmpty() ? CompletableFuture.completedFuture(false) : startClaimed(claim.get(), limit));
  }

  /**
   * A claim taken over from a dispatcher that died after launching the build but before acking
   * its entry is acked without a second launch: the record says the build left the queue.
   */
  private CompletableFuture<Boolean> startClaimed(QueueClaim claim, int limit) {
    return stores
        .records()
        .get(claim.entry().namespace(), claim.entry().buildId())
        .thenCompose(
            record -> {
              if (record.isPresent() && record.get().state() != BuildState.QUEUED) {
                return stores.queue().ack(claim).thenApply(v -> true);
              }
              return acquireAndLaunch(claim, limit);
            });
  }

  private CompletableFuture<Boolean> acquireAndLaunch(QueueClaim claim, int limit) {
    var entry = claim.entry();
    return stores
        .slots()
        .acquire(entry.namespace(), entry.buildId(), limit, config.leaseDuration())
        .thenCompose(
            acquisition -> {
              metrics.active(entry.namespace(), acquisition.active());
              if (!acquisition.acquired()) {
                return stores.queue().abandon(claim).thenApply(v -> false);
              }
              Build queued =
                  Build.queued(entry.buildId(), entry.parserId(), entry.namespace(), entry.thirdParty(), entry.enqueuedAt());
              return launch(queued)
                  .handle((running, error) -> root(error) instanceof LaunchDeferredException)
                  .thenCompose(deferred -> deferred
                      // Back to the queue, and no more tries in this namespace until the next tick.
                      ? stores.queue().abandon(claim).thenApply(v -> false)
                      : stores.queue().ack(claim).thenCompose(v -> refreshSoon(entry.namespace())).thenApply(v -> true));
            });
  }

  /**
   * Records the end of a build that no longer holds a slot: final record, metrics, backoff, and
   * frees its dedupe place. {@code backoffOnFailure} is false for failures that are not the
   * parser's fault (launch errors, expired leases).
   */
  private CompletableFuture<Void> finish(
      String namespace, String buildId, boolean succeeded, String reason, boolean backoffOnFailure) {
    owned.remove(new Owned(namespace, buildId));
    Instant now = clock.instant();
    return stores
        .records()
        .get(namespace, buildId)
        .thenCompose(
            found -> {
              if (found.isEmpty()) {
                log.warn("build {} in {} ended but its record is gone", buildId, namespace);
                return refreshSoon(namespace);
              }
              Build build = found.get();
              Build ended = succeeded ? build.succeeded(now) : build.failed(now, reason);
              Duration ranFor = build.startedAt().map(s -> Duration.between(s, now)).orElse(null);
              if (ranFor != null) {
                durations.record(namespace, ranFor);
              }
              metrics.finished(namespace, succeeded, ranFor);
              return stores
                  .records()
                  .update(ended, config.recordTtl())
                  .thenCompose(v -> updateBackoff(ended, succeeded, backoffOnFailure, now))
                  .thenCompose(v -> stores.records().releaseActive(namespace, build.parserId(), buildId))
                  .thenCompose(v -> refreshSoon(namespace));
            });
  }

  private CompletableFuture<Void> updateBackoff(
      Build build, boolean succeeded, boolean backoffOnFailure, Instant now) {
    var backoffs = stores.backoffs();
    if (succeeded) {
      return backoffs.reset(build.namespace(), build.parserId());
    }
    if (!backoffOnFailure) {
      return CompletableFuture.completedFuture(null);
    }
    return backoffs
        .recordFailure(build.namespace(), build.parserId(), backoff.keepCountFor(config.failureBackoffMax()))
        .thenCompose(
            failures -> {
              Instant until = now.plus(backoff.windowAfter(failures));
              metrics.backoffOpened(build.namespace(), build.parserId(), until);
              return backoffs.open(build.namespace(), build.parserId(), until);
            });
  }

  private static String rootMessage(Throwable error) {
    Throwable cause = root(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static Throwable root(Throwable error) {
    return Futures.unwrap(error);
  }

  private record Owned(String namespace, String buildId) {}
}
