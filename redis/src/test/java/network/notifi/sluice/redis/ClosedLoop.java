package network.notifi.sluice.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * A closed-loop load driver for benchmarks: keeps {@code inFlight} asynchronous operations running
 * (operation {@code i} gets its sequence number), for a time or for a number of operations, and
 * reports the rate, latency percentiles and failures.
 */
final class ClosedLoop {

  private ClosedLoop() {}

  /** What a run did. {@code firstError} is null when nothing failed. */
  record Result(long ops, double seconds, double p50Micros, double p99Micros, long failures, Throwable firstError) {
    double perSecond() {
      return ops / seconds;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,d ops in %.1f s = %,.0f/s, p50 %,.0f µs, p99 %,.0f µs, %d failed%s",
          ops, seconds, perSecond(), p50Micros, p99Micros, failures,
          firstError == null ? "" : " (first: " + firstError + ")");
    }
  }

  /** Runs operations for {@code duration}. */
  static Result forTime(int inFlight, Duration duration, LongFunction<CompletionStage<?>> op) {
    return drive(inFlight, System.nanoTime() + duration.toNanos(), Long.MAX_VALUE, op);
  }

  /** Runs exactly {@code count} operations. */
  static Result forCount(int inFlight, long count, LongFunction<CompletionStage<?>> op) {
    return drive(inFlight, Long.MAX_VALUE, count, op);
  }

  private static Result drive(int inFlight, long endNanos, long count, LongFunction<CompletionStage<?>> op) {
    var permits = new Semaphore(inFlight);
    var done = new AtomicLong();
    var failed = new AtomicLong();
    var firstError = new AtomicReference<Throwable>();
    long[] samples = new long[1 << 21];
    long start = System.nanoTime();
    long issued = 0;
    while (issued < count && (endNanos == Long.MAX_VALUE || System.nanoTime() < endNanos)) {
      permits.acquireUninterruptibly();
      long t0 = System.nanoTime();
      CompletionStage<?> stage;
      try {
        stage = op.apply(issued);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      issued++;
      stage.whenComplete((v, e) -> {
        long n = done.getAndIncrement();
        if (n < samples.length) {
          samples[(int) n] = System.nanoTime() - t0;
        }
        if (e != null) {
          failed.incrementAndGet();
          firstError.compareAndSet(null, e);
        }
        permits.release();
      });
    }
    permits.acquireUninterruptibly(inFlight);
    double seconds = (System.nanoTime() - start) / 1e9;
    long ops = done.get();
    long[] lat = Arrays.copyOf(samples, (int) Math.min(ops, samples.length));
    Arrays.sort(lat);
    double p50 = lat.length == 0 ? 0 : lat[lat.length / 2] / 1e3;
    double p99 = lat.length == 0 ? 0 : lat[(int) (lat.length * 0.99)] / 1e3;
    return new Result(ops, seconds, p50, p99, failed.get(), firstError.get());
  }
}
