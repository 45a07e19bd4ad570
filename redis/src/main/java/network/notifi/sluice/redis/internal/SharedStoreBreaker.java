package network.notifi.sluice.redis.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.CasContentionException;

/**
 * The circuit breaker in front of a shared store: it times each call on the store's clock and counts
 * failed and slow calls against the store, so that it opens when the store is unavailable. Contention
 * on one key ({@link CasContentionException}) is not unavailability and is ignored. Thread-safe.
 */
public final class SharedStoreBreaker {

  private final CircuitBreaker breaker;
  private final EpochNanoClock clock;
  private final long retryAfterNanos;

  public SharedStoreBreaker(CircuitBreakerConfig config, EpochNanoClock clock) {
    this.breaker = CircuitBreaker.of("redis", config);
    this.clock = clock;
    this.retryAfterNanos = config.getWaitIntervalFunctionInOpenState().apply(1) * 1_000_000L;
  }

  /**
   * Opens when at least half of the last 20 calls (at least 5) failed or took longer than {@code
   * slowCallThreshold}, ignoring {@link CasContentionException}; stays open 1 s, then closes after 2
   * successful probes. On {@code clock}, so tests move its time.
   */
  public static CircuitBreakerConfig config(Duration slowCallThreshold, EpochNanoClock clock) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .slowCallDurationThreshold(slowCallThreshold)
        .slowCallRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(1))
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .permittedNumberOfCallsInHalfOpenState(2)
        .ignoreException(e -> Futures.unwrap(e) instanceof CasContentionException)
        .clock(JavaClocks.of(clock))
        .build();
  }

  /** Whether the store is not to be asked: the breaker is open (forced or not) or half-open. */
  public boolean isOpen() {
    return isOpen(breaker.getState());
  }

  /** Whether {@code state} is one in which the store is not asked by user calls. */
  public static boolean isOpen(CircuitBreaker.State state) {
    return state == CircuitBreaker.State.OPEN
        || state == CircuitBreaker.State.HALF_OPEN
        || state == CircuitBreaker.State.FORCED_OPEN;
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** The breaker's wait in the open state, in nanoseconds: when to try again. */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /**
   * {@code call}'s answer while the breaker lets it through, else {@code fallback}'s; a failed call
   * is recorded, told to {@code onFailure} (unwrapped) and answered by {@code fallback} too.
   */
  public <T> CompletableFuture<T> call(
      Supplier<CompletableFuture<T>> call, Supplier<T> fallback, Consumer<Throwable> onFailure) {
    if (isOpen() || !breaker.tryAcquirePermission()) {
      return CompletableFuture.completedFuture(fallback.get());
    }
    long start = clock.epochNanos();
    return attempt(call).handle((result, failure) -> {
      long elapsed = clock.epochNanos() - start;
      if (failure == null) {
        breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
        return result;
      }
      Throwable cause = Futures.unwrap(failure);
      breaker.onError(elapsed, TimeUnit.NANOSECONDS, cause);
      onFailure.accept(cause);
      return fallback.get();
    });
  }

  /** While open (after its wait) or half-open: {@code call} stands in for user calls as the probe. */
  public <T> void probe(Supplier<CompletableFuture<T>> call) {
    if (!breaker.tryAcquirePermission()) {
      return;
    }
    long start = clock.epochNanos();
    attempt(call).whenComplete((answer, failure) -> {
      long elapsed = clock.epochNanos() - start;
      if (failure == null) {
        breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
      } else {
        breaker.onError(elapsed, TimeUnit.NANOSECONDS, Futures.unwrap(failure));
      }
    });
  }

  private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
