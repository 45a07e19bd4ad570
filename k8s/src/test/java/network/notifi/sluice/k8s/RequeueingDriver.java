package network.notifi.sluice.k8s;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;

/**
 * Plays the part the admission core should play for this launcher (see docs/kubernetes.md, "What
 * the core must do"): holds builds in a queue, pauses while the API breaker is open, and puts a
 * build whose launch was deferred back into the queue with its reason instead of failing it.
 */
final class RequeueingDriver implements AutoCloseable {

  private final KubernetesJobLauncher launcher;
  private final ConcurrentLinkedQueue<Build> queue = new ConcurrentLinkedQueue<>();
  private final Map<String, Build> started = new ConcurrentHashMap<>();
  private final Map<String, String> lastDeferral = new ConcurrentHashMap<>();
  private final Map<String, Throwable> failed = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger pausedTicks = new AtomicInteger();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private final int maxInFlight;

  RequeueingDriver(KubernetesJobLauncher launcher, int maxInFlight) {
    this.launcher = launcher;
    this.maxInFlight = maxInFlight;
    ticker.scheduleWithFixedDelay(this::tick, 0, 50, TimeUnit.MILLISECONDS);
  }

  void submit(Build build) {
    queue.add(build);
  }

  private void tick() {
    if (!launcher.health().available()) {
      pausedTicks.incrementAndGet();
      return;
    }
    while (inFlight.get() < maxInFlight) {
      Build next = queue.poll();
      if (next == null) {
        return;
      }
      inFlight.incrementAndGet();
      launcher.launch(next).whenComplete((v, error) -> {
        inFlight.decrementAndGet();
        if (error == null) {
          started.put(next.id(), next);
        } else if (Futures.unwrap(error) instanceof LaunchDeferredException deferred) {
          lastDeferral.put(next.id(), deferred.reason());
          queue.add(next);
        } else {
          failed.put(next.id(), error);
        }
      });
    }
  }

  Map<String, Build> started() {
    return started;
  }

  Map<String, String> deferrals() {
    return lastDeferral;
  }

  Map<String, Throwable> failed() {
    return failed;
  }

  int queued() {
    return queue.size();
  }

  int pausedTicks() {
    return pausedTicks.get();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
