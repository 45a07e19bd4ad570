package network.notifi.sluice.jobs.internal;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.spi.JobStores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Updates a namespace's gauges (slots in use, queue depth, oldest entry) from the stores. Thread-safe. */
public final class GaugeRefresher {

  private static final Logger log = LoggerFactory.getLogger(GaugeRefresher.class);

  private final JobStores stores;
  private final JobsMetrics metrics;
  // Per namespace: 0 idle, 1 refreshing, 2 refreshing and asked again.
  private final ConcurrentHashMap<String, AtomicInteger> refreshes = new ConcurrentHashMap<>();

  public GaugeRefresher(JobStores stores, JobsMetrics metrics) {
    this.stores = Objects.requireNonNull(stores, "stores");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
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
  public CompletableFuture<Void> refreshSoon(String namespace) {
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

  private void refreshLoop(String namespace, AtomicInteger state) {
    refresh(namespace).whenComplete((v, error) -> {
      if (error != null) {
        log.debug("refreshing the gauges of {} failed: {}", namespace, Futures.unwrap(error).toString());
      }
      if (state.getAndDecrement() == 2) {
        refreshLoop(namespace, state);
      }
    });
  }
}
