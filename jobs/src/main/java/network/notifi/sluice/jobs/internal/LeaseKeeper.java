package network.notifi.sluice.jobs.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.spi.SlotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the slot leases of the builds this replica launched alive, on its own schedule: a lease is
 * renewed every third of its duration whether or not a dispatcher round, a launch or a drain is slow
 * or stuck, so a build whose launch is still in flight never loses its slot to the reaper.
 *
 * <p>A build is owned from just before its launch until its end is recorded; a renewal that finds
 * no lease (released or reaped meanwhile) drops it. Thread-safe; nothing here blocks.
 */
public final class LeaseKeeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final SlotStore slots;
  private final Duration leaseDuration;
  private final Set<Owned> owned = ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService schedule;

  public LeaseKeeper(SlotStore slots, Duration leaseDuration) {
    this.slots = Objects.requireNonNull(slots, "slots");
    this.leaseDuration = Objects.requireNonNull(leaseDuration, "leaseDuration");
  }

  /** From now on the build's lease is renewed here. */
  public void own(String namespace, String buildId) {
    owned.add(new Owned(namespace, buildId));
  }

  /** The build's lease is no longer renewed here (it ended, or its launch failed). */
  public void disown(String namespace, String buildId) {
    owned.remove(new Owned(namespace, buildId));
  }

  /** Builds whose leases are renewed here. */
  public int size() {
    return owned.size();
  }

  /**
   * Renews every owned lease once; completes when every renewal answered, failed ones included.
   * Never throws (a scheduled task that throws is not run again).
   */
  public CompletableFuture<Void> renewAll() {
    List<CompletableFuture<?>> renewals = new ArrayList<>();
    for (Owned mine : owned) {
      CompletableFuture<Boolean> renewal;
      try {
        renewal = slots.renew(mine.namespace(), mine.buildId(), leaseDuration);
      } catch (RuntimeException e) {
        renewal = CompletableFuture.failedFuture(e);
      }
      renewals.add(
          renewal
              .handle((renewed, error) -> {
                if (error != null) {
                  log.warn("renewing the lease of build {} in {} failed: {}", mine.buildId(), mine.namespace(),
                      Futures.unwrap(error).toString());
                } else if (!renewed) {
                  owned.remove(mine);
                }
                return null;
              }));
    }
    return CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new));
  }

  /**
   * Renews the owned leases every third of the lease duration on a daemon thread of its own, without
   * waiting for one round to answer before the next starts (renewing is idempotent). Idempotent.
   */
  public synchronized void start() {
    if (schedule != null) {
      return;
    }
    schedule = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-jobs-leases"));
    long period = Math.max(1, leaseDuration.dividedBy(3).toMillis());
    schedule.scheduleAtFixedRate(this::renewAll, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops renewing. The leases stay where they are: builds that keep running elsewhere (Kubernetes
   * Jobs) are renewed by whoever sees them run, the others expire and are reaped.
   */
  @Override
  public synchronized void close() {
    if (schedule != null) {
      schedule.shutdownNow();
    }
  }

  private record Owned(String namespace, String buildId) {}
}
