package network.notifi.sluice.jobs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.common.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link BuildAdmission#tick}'s round every {@code jobs.dispatch_interval} on a daemon thread of
 * its own, also while the stores are down (the first round that succeeds ends local admission): a
 * failed round is logged and the next one comes on time. Thread-safe.
 */
final class DispatchSchedule {

  private static final Logger log = LoggerFactory.getLogger(DispatchSchedule.class);

  private final Supplier<CompletableFuture<Void>> round;
  private final Duration interval;
  private final Duration roundTimeout;
  private final BooleanSupplier storesDown;
  private ScheduledExecutorService ticker;

  /**
   * @param roundTimeout how long one round may take before the next is due anyway
   * @param storesDown whether the shared stores are known to be down: a failed round is then expected
   *     and logged at debug
   */
  DispatchSchedule(Supplier<CompletableFuture<Void>> round, Duration interval, Duration roundTimeout,
      BooleanSupplier storesDown) {
    this.round = round;
    this.interval = interval;
    this.roundTimeout = roundTimeout;
    this.storesDown = storesDown;
  }

  /** Starts the rounds; idempotent. */
  synchronized void start() {
    if (ticker != null) {
      return;
    }
    ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-jobs-dispatcher"));
    long period = interval.toMillis();
    ticker.scheduleWithFixedDelay(this::roundQuietly, period, period, TimeUnit.MILLISECONDS);
  }

  /** Stops the rounds, interrupting one in progress; no-op if never started. */
  synchronized void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }

  private void roundQuietly() {
    try {
      round.get().get(roundTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (storesDown.getAsBoolean()) {
        log.debug("dispatcher round failed while the shared stores are down: {}", Futures.unwrap(e).toString());
      } else {
        log.warn("dispatcher round failed; retrying in {}", interval, e);
      }
    }
  }
}
