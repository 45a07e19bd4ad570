package network.notifi.sluice.jobs;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.spi.BuildRecordStore;

/**
 * A record store that answers as the one it wraps, except that reads of one build's record in its
 * namespace can be held until the test lets them through: the dispatcher reads it after claiming the
 * build from the queue, so a held read keeps that claim in flight for as long as the test needs.
 * Once closed, it refuses writes, as a store whose client has shut down does. Thread-safe.
 */
final class HeldRecords implements BuildRecordStore {

  private final BuildRecordStore delegate;
  private volatile CompletableFuture<Void> gate;
  private volatile String heldId;
  private volatile boolean closed;

  HeldRecords(BuildRecordStore delegate) {
    this.delegate = delegate;
  }

  /** Holds later {@link #get(String, String)} calls for {@code buildId} until {@link #release()}. */
  void hold(String buildId) {
    heldId = buildId;
    gate = new CompletableFuture<>();
  }

  /** Lets the held reads answer, and later ones at once. */
  void release() {
    CompletableFuture<Void> held = gate;
    gate = null;
    if (held != null) {
      held.complete(null);
    }
  }

  @Override
  public CompletableFuture<Optional<Build>> get(String namespace, String buildId) {
    CompletableFuture<Void> held = gate;
    return held == null || !buildId.equals(heldId)
        ? delegate.get(namespace, buildId)
        : held.thenCompose(v -> delegate.get(namespace, buildId));
  }

  @Override
  public CompletableFuture<Void> put(Build build, Duration ttl) {
    return closed ? refused() : delegate.put(build, ttl);
  }

  @Override
  public CompletableFuture<Void> update(Build build, Duration ttl) {
    return closed ? refused() : delegate.update(build, ttl);
  }

  @Override
  public CompletableFuture<Optional<Build>> get(String buildId) {
    return delegate.get(buildId);
  }

  @Override
  public CompletableFuture<Void> delete(String buildId) {
    return delegate.delete(buildId);
  }

  @Override
  public CompletableFuture<String> claimActive(String namespace, String parserId, String buildId, Duration ttl) {
    return delegate.claimActive(namespace, parserId, buildId, ttl);
  }

  @Override
  public CompletableFuture<Boolean> releaseActive(String namespace, String parserId, String buildId) {
    return delegate.releaseActive(namespace, parserId, buildId);
  }

  @Override
  public void close() {
    closed = true;
    delegate.close();
  }

  private static CompletableFuture<Void> refused() {
    return CompletableFuture.failedFuture(new IllegalStateException("the record store is closed"));
  }
}
