package network.notifi.sluice.jobs.inprocess;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.SlotAcquisition;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.jobs.spi.SlotStore;

/**
 * Slots in this process's memory, for one replica. Thread-safe: every call runs under one lock and
 * completes before it returns; an acquire takes time linear in the leases of all namespaces (the
 * caps count them), the other calls in the namespace's.
 */
public final class InProcessSlotStore implements SlotStore {

  private final Clock clock;
  // Invariant: every lease in live has a deadline after the last sweep; expired holds the swept ones
  // not yet reaped or released.
  private final Map<String, Map<String, Lease>> live = new HashMap<>();
  private final Map<String, List<Lease>> expired = new HashMap<>();
  // The third-party line ("" for none) of every lease in live or expired.
  private final Map<String, String> lineOf = new HashMap<>();

  public InProcessSlotStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized CompletableFuture<SlotAcquisition> acquire(
      String namespace, String buildId, Optional<String> thirdParty, SlotLimits limits, Duration leaseDuration) {
    sweepAll();
    Map<String, Lease> leases = live.computeIfAbsent(namespace, ns -> new HashMap<>());
    String line = thirdParty.orElse("");
    Optional<JobLimit> full = leases.containsKey(buildId)
        ? Optional.empty()
        : limits.full(leases.size(), total(), ofLine(line));
    if (full.isEmpty()) {
      leases.put(buildId, new Lease(namespace, buildId, clock.instant().plus(leaseDuration)));
      lineOf.put(buildId, line);
    }
    int active = leases.size();
    forgetIfEmpty(namespace);
    return CompletableFuture.completedFuture(full.isEmpty()
        ? SlotAcquisition.acquired(active)
        : SlotAcquisition.refused(active, full.get()));
  }

  /**
   * The first limit without room for one more lease of {@code line} in {@code namespace}, after
   * dropping expired leases; for the queue's claim, under this store's lock.
   */
  synchronized Optional<JobLimit> full(String namespace, String line, SlotLimits limits) {
    sweepAll();
    Map<String, Lease> leases = live.get(namespace);
    Optional<JobLimit> full = limits.full(leases == null ? 0 : leases.size(), total(), ofLine(line));
    forgetIfEmpty(namespace);
    return full;
  }

  @Override
  public synchronized CompletableFuture<Boolean> renew(
      String namespace, String buildId, Duration leaseDuration) {
    Map<String, Lease> leases = sweep(namespace);
    if (!leases.containsKey(buildId)) {
      forgetIfEmpty(namespace);
      return CompletableFuture.completedFuture(false);
    }
    leases.put(buildId, new Lease(namespace, buildId, clock.instant().plus(leaseDuration)));
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public synchronized CompletableFuture<Boolean> release(String namespace, String buildId) {
    Map<String, Lease> leases = live.get(namespace);
    boolean removed = leases != null && leases.remove(buildId) != null;
    List<Lease> gone = expired.get(namespace);
    if (!removed && gone != null) {
      removed = gone.removeIf(l -> l.buildId().equals(buildId));
    }
    if (removed) {
      lineOf.remove(buildId);
    }
    forgetIfEmpty(namespace);
    return CompletableFuture.completedFuture(removed);
  }

  @Override
  public synchronized CompletableFuture<Integer> active(String namespace) {
    int active = sweep(namespace).size();
    forgetIfEmpty(namespace);
    return CompletableFuture.completedFuture(active);
  }

  @Override
  public synchronized CompletableFuture<List<Lease>> leases(String namespace) {
    List<Lease> leases = List.copyOf(sweep(namespace).values());
    forgetIfEmpty(namespace);
    return CompletableFuture.completedFuture(leases);
  }

  @Override
  public synchronized CompletableFuture<List<Lease>> reapExpired(String namespace) {
    sweep(namespace);
    List<Lease> reaped = expired.remove(namespace);
    if (reaped != null) {
      reaped.forEach(lease -> lineOf.remove(lease.buildId()));
    }
    forgetIfEmpty(namespace);
    return CompletableFuture.completedFuture(reaped == null ? List.of() : List.copyOf(reaped));
  }

  @Override
  public synchronized CompletableFuture<Set<String>> namespaces() {
    Set<String> names = new TreeSet<>(live.keySet());
    names.addAll(expired.keySet());
    return CompletableFuture.completedFuture(names);
  }

  /** Sweeps every namespace: the caps count the live leases of all of them. */
  private void sweepAll() {
    for (String namespace : List.copyOf(live.keySet())) {
      sweep(namespace);
      forgetIfEmpty(namespace);
    }
  }

  private int total() {
    int total = 0;
    for (Map<String, Lease> leases : live.values()) {
      total += leases.size();
    }
    return total;
  }

  /** Live leases of the third-party line in every namespace. */
  private int ofLine(String line) {
    int count = 0;
    for (Map<String, Lease> leases : live.values()) {
      for (String buildId : leases.keySet()) {
        count += line.equals(lineOf.get(buildId)) ? 1 : 0;
      }
    }
    return count;
  }

  /** Moves the namespace's leases past their deadline to the expired list; returns the live ones. */
  private Map<String, Lease> sweep(String namespace) {
    Map<String, Lease> leases = live.computeIfAbsent(namespace, ns -> new HashMap<>());
    Instant now = clock.instant();
    for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
      Lease lease = it.next();
      if (!lease.expiresAt().isAfter(now)) {
        it.remove();
        expired.computeIfAbsent(namespace, ns -> new ArrayList<>()).add(lease);
      }
    }
    return leases;
  }

  private void forgetIfEmpty(String namespace) {
    Map<String, Lease> leases = live.get(namespace);
    if (leases != null && leases.isEmpty()) {
      live.remove(namespace);
    }
    List<Lease> gone = expired.get(namespace);
    if (gone != null && gone.isEmpty()) {
      expired.remove(namespace);
    }
  }
}
