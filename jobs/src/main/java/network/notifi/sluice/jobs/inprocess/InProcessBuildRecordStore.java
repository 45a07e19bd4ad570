package network.notifi.sluice.jobs.inprocess;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.BuildRecordStore;

/**
 * Build records in this process's memory. Thread-safe (one lock). Expired records are dropped on
 * every write, in deadline order (O(log n) per record), so memory stays bounded by the writes of one
 * TTL; an active claim that is never released is dropped when it is next claimed.
 */
public final class InProcessBuildRecordStore implements BuildRecordStore {

  private final Clock clock;
  private final Map<String, Expiring<Build>> records = new HashMap<>();
  private final Map<ActiveKey, Expiring<String>> active = new HashMap<>();
  // One entry per write; an entry whose record was rewritten since is stale and skipped.
  private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>();

  public InProcessBuildRecordStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized CompletableFuture<Void> put(Build build, Duration ttl) {
    Instant now = clock.instant();
    Instant expiresAt = now.plus(ttl);
    records.put(build.id(), new Expiring<>(build, expiresAt));
    deadlines.add(new Deadline(expiresAt, build.id()));
    for (Deadline head = deadlines.peek(); head != null && !head.at().isAfter(now); head = deadlines.peek()) {
      deadlines.poll();
      Expiring<Build> current = records.get(head.buildId());
      if (current != null && current.expiredAt(now)) {
        records.remove(head.buildId());
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<Optional<Build>> get(String buildId) {
    Expiring<Build> entry = records.get(buildId);
    if (entry == null || entry.expiredAt(clock.instant())) {
      records.remove(buildId);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return CompletableFuture.completedFuture(Optional.of(entry.value()));
  }

  @Override
  public synchronized CompletableFuture<Void> delete(String buildId) {
    records.remove(buildId);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<String> claimActive(
      String namespace, String parserId, String buildId, Duration ttl) {
    Instant now = clock.instant();
    ActiveKey key = new ActiveKey(namespace, parserId);
    Expiring<String> holder = active.get(key);
    if (holder != null && !holder.expiredAt(now)) {
      return CompletableFuture.completedFuture(holder.value());
    }
    active.put(key, new Expiring<>(buildId, now.plus(ttl)));
    return CompletableFuture.completedFuture(buildId);
  }

  @Override
  public synchronized CompletableFuture<Boolean> releaseActive(
      String namespace, String parserId, String buildId) {
    ActiveKey key = new ActiveKey(namespace, parserId);
    Expiring<String> holder = active.get(key);
    boolean held = holder != null && holder.value().equals(buildId);
    if (held) {
      active.remove(key);
    }
    return CompletableFuture.completedFuture(held && !holder.expiredAt(clock.instant()));
  }

  private record ActiveKey(String namespace, String parserId) {}

  private record Deadline(Instant at, String buildId) implements Comparable<Deadline> {
    @Override
    public int compareTo(Deadline other) {
      return at.compareTo(other.at);
    }
  }

  private record Expiring<T>(T value, Instant expiresAt) {
    boolean expiredAt(Instant now) {
      return !expiresAt.isAfter(now);
    }
  }
}
