package network.notifi.sluice.jobs.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dispatcher's work that shutdown must let finish before the launcher and the stores close: from
 * a queue claim to the launch, or to the hand-back of a build it did not launch.
 *
 * <p>Invariant: work is registered before it reads whether the replica stops ({@link #run}), and
 * {@link #stop} marks the stop before {@link #await} looks at what is registered; so work that saw
 * "not stopping" is always awaited, and work that starts later sees the stop. Thread-safe.
 */
final class InFlight {

  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /** Marks the replica as stopping; work that starts from now on sees it in {@link #stopping()}. */
  void stop() {
    stopping = true;
  }

  boolean stopping() {
    return stopping;
  }

  /** Runs {@code work} registered until its future completes, either way. */
  <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((v, e) -> pending.remove(result));
    CompletableFuture<T> started;
    try {
      started = work.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete((v, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
      } else {
        result.complete(v);
      }
    });
    return result;
  }

  /** Waits up to {@code timeout} for the registered work to finish; true if none is left. */
  boolean await(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // Work may register more work (a drain launches); look again until nothing is left.
    while (!pending.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
            .handle((v, e) -> null)
            .get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return pending.isEmpty();
      } catch (Exception e) {
        return pending.isEmpty();
      }
    }
    return true;
  }
}
