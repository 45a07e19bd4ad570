package network.notifi.sluice.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;

/**
 * A launcher whose jobs run until the test ends them with {@link #succeed} or {@link #fail}. Records
 * every launch in order and the most builds ever running at once. Thread-safe.
 */
public final class ScriptedLauncher implements JobLauncher {

  private final List<JobListener> listeners = new CopyOnWriteArrayList<>();
  private final List<Build> launched = new CopyOnWriteArrayList<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Object peakLock = new Object();
  private int peak;
  private volatile RuntimeException failLaunches;
  private final AtomicReference<RuntimeException> failNext = new AtomicReference<>();

  private volatile boolean available = true;
  private volatile CompletableFuture<Void> gate;
  private volatile boolean refusesOnceClosed;
  private volatile boolean closed;

  @Override
  public boolean available() {
    return available;
  }

  /** Makes the launcher (un)available, as a Kubernetes launcher is while its API breaker is open. */
  public void setAvailable(boolean available) {
    this.available = available;
  }

  @Override
  public void addListener(JobListener listener) {
    listeners.add(listener);
  }

  @Override
  public CompletableFuture<Void> launch(Build build) {
    if (closed && refusesOnceClosed) {
      // As a launcher whose executor has shut down.
      return CompletableFuture.failedFuture(new RejectedExecutionException("the launcher is closed"));
    }
    RuntimeException once = failNext.getAndSet(null);
    RuntimeException failure = once != null ? once : failLaunches;
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    CompletableFuture<Void> held = gate;
    if (held != null) {
      return held.thenRun(() -> start(build));
    }
    start(build);
    return CompletableFuture.completedFuture(null);
  }

  private void start(Build build) {
    if (!running.add(build.id())) {
      return;
    }
    launched.add(build);
    synchronized (peakLock) {
      peak = Math.max(peak, running.size());
    }
  }

  /** Holds later launches in flight until {@link #releaseHeld} or {@link #deferHeld}. */
  public void holdLaunches() {
    gate = new CompletableFuture<>();
  }

  /** Lets the held launches start their jobs, and later ones start at once. */
  public void releaseHeld() {
    CompletableFuture<Void> held = gate;
    gate = null;
    if (held != null) {
      held.complete(null);
    }
  }

  /** Fails the held launches as deferred (they should wait, as for a full quota); later ones start at once. */
  public void deferHeld(String reason) {
    CompletableFuture<Void> held = gate;
    gate = null;
    if (held != null) {
      held.completeExceptionally(new LaunchDeferredException(reason, "deferred by the test"));
    }
  }

  @Override
  public CompletableFuture<Boolean> cancel(String namespace, String buildId) {
    boolean wasRunning = running.contains(buildId);
    if (wasRunning) {
      end(JobOutcome.failedNotByParser(buildId, namespace, "cancelled"));
    }
    return CompletableFuture.completedFuture(wasRunning);
  }

  /** Makes later launches fail with {@code error}; null to launch normally again. */
  public void failLaunchesWith(RuntimeException error) {
    failLaunches = error;
  }

  /** Makes only the next launch fail with {@code error}. */
  public void failNextLaunchWith(RuntimeException error) {
    failNext.set(error);
  }

  public void succeed(Build build) {
    end(JobOutcome.succeeded(build.id(), build.namespace()));
  }

  public void fail(Build build, String reason) {
    end(JobOutcome.failed(build.id(), build.namespace(), reason));
  }

  /** Reports an end as a launcher would, e.g. twice to test that the core acts once. */
  public void end(JobOutcome outcome) {
    running.remove(outcome.buildId());
    listeners.forEach(l -> l.onJobEnded(outcome));
  }

  /**
   * Makes launches after {@link #close()} fail with a {@link RejectedExecutionException}, as a real
   * launcher's closed executor refuses them. Off by default, so that a test may reuse this launcher
   * under a new admission after closing the old one.
   */
  public void refuseLaunchesOnceClosed() {
    refusesOnceClosed = true;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Every build launched so far, in launch order. */
  public List<Build> launched() {
    return new ArrayList<>(launched);
  }

  /** Launched builds that have not ended, in launch order. */
  public List<Build> running() {
    return launched.stream().filter(b -> running.contains(b.id())).toList();
  }

  public int peakRunning() {
    synchronized (peakLock) {
      return peak;
    }
  }
}
