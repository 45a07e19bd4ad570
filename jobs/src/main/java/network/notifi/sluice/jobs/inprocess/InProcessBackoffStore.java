package network.notifi.sluice.jobs.inprocess;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.spi.BackoffStore;
import network.notifi.sluice.jobs.spi.BackoffWindow;

/**
 * Backoff state in this process's memory. Thread-safe (one lock); entries are dropped once both
 * the count and the window have expired.
 */
public final class InProcessBackoffStore implements BackoffStore {

  private static final int PURGE_ABOVE = 1024;

  private final Clock clock;
  private final Map<Key, State> states = new HashMap<>();

  public InProcessBackoffStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized CompletableFuture<Integer> recordFailure(
      String namespace, String parserId, Duration keepCountFor) {
    Instant now = clock.instant();
    Key key = new Key(namespace, parserId);
    State old = states.get(key);
    boolean counting = old != null && old.countExpiresAt().isAfter(now);
    int failures = counting ? old.failures() + 1 : 1;
    Instant window = old == null ? Instant.MIN : old.windowUntil();
    states.put(key, new State(failures, now.plus(keepCountFor), window));
    if (states.size() > PURGE_ABOVE) {
      states.values().removeIf(s -> !s.countExpiresAt().isAfter(now) && !s.windowUntil().isAfter(now));
    }
    return CompletableFuture.completedFuture(failures);
  }

  @Override
  public synchronized CompletableFuture<Void> open(String namespace, String parserId, Instant until) {
    Key key = new Key(namespace, parserId);
    State old = states.get(key);
    Instant countExpiresAt = old == null ? until : max(old.countExpiresAt(), until);
    states.put(key, new State(old == null ? 0 : old.failures(), countExpiresAt, until));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<Optional<BackoffWindow>> window(
      String namespace, String parserId) {
    State state = states.get(new Key(namespace, parserId));
    if (state == null || !state.windowUntil().isAfter(clock.instant())) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return CompletableFuture.completedFuture(
        Optional.of(new BackoffWindow(state.windowUntil(), state.failures())));
  }

  @Override
  public synchronized CompletableFuture<Void> reset(String namespace, String parserId) {
    states.remove(new Key(namespace, parserId));
    return CompletableFuture.completedFuture(null);
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private record Key(String namespace, String parserId) {}

  private record State(int failures, Instant countExpiresAt, Instant windowUntil) {}
}
