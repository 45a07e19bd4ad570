package network.notifi.sluice.k8s.internal;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedTimeLimiterMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.kubernetes.client.openapi.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.k8s.K8sResilience;

/**
 * Runs blocking Kubernetes API calls off the caller's thread, each under Retry(CircuitBreaker(
 * Bulkhead(TimeLimiter(call)))). Only transient failures are retried and counted by the breaker: 5xx,
 * 429, connection errors (client code 0), timeouts and a full bulkhead. Thread-safe.
 */
public final class ResilientApi implements AutoCloseable {

  public static final String NAME = "kubernetes-api";

  private final Retry retry;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final TimeLimiter timeLimiter;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService io;
  private final Counter retriedSucceeded;
  private final Counter retriedFailed;

  /** On the system clock. */
  public ResilientApi(K8sResilience config, MeterRegistry registry) {
    this(config, registry, Clock.systemUTC());
  }

  /** With the circuit breaker's open-state timing on {@code clock}. */
  public ResilientApi(K8sResilience config, MeterRegistry registry, Clock clock) {
    RetryRegistry retries = RetryRegistry.of(RetryConfig.custom()
        .maxAttempts(config.maxRetries() + 1)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
            config.retryBaseDelay(), 2.0, config.jitter(), config.retryMaxDelay()))
        .retryOnException(ResilientApi::isTransient)
        .build());
    CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
        .slidingWindowSize(config.breakerWindow())
        .minimumNumberOfCalls(config.breakerMinimumCalls())
        .failureRateThreshold(config.breakerFailureRate())
        .waitDurationInOpenState(config.breakerOpenFor())
        .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(3, config.breakerMinimumCalls())))
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .recordException(ResilientApi::isTransient)
        .clock(clock)
        .build());
    BulkheadRegistry bulkheads = BulkheadRegistry.of(BulkheadConfig.custom()
        .maxConcurrentCalls(config.bulkhead())
        .maxWaitDuration(config.callTimeout())
        .build());
    TimeLimiterRegistry limiters = TimeLimiterRegistry.of(TimeLimiterConfig.custom()
        .timeoutDuration(config.callTimeout())
        .cancelRunningFuture(true)
        .build());
    this.retry = retries.retry(NAME);
    this.breaker = breakers.circuitBreaker(NAME);
    this.bulkhead = bulkheads.bulkhead(NAME);
    this.timeLimiter = limiters.timeLimiter(NAME);
    TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
    TaggedTimeLimiterMetrics.ofTimeLimiterRegistry(limiters).bindTo(registry);
    this.retriedSucceeded = retryCounter(registry, "true");
    this.retriedFailed = retryCounter(registry, "false");
    this.scheduler = Executors.newScheduledThreadPool(2, DaemonThreads.numbered("sluice-k8s-timer"));
    this.io = Executors.newCachedThreadPool(DaemonThreads.numbered("sluice-k8s-io"));
  }

  private static Counter retryCounter(MeterRegistry registry, String success) {
    return Counter.builder("retry_attempts_total")
        .description("Retries of Kubernetes API calls, by whether the call finally succeeded")
        .tag("success", success)
        .register(registry);
  }

  /**
   * Runs {@code call} with retries and the breaker. The future fails with the call's own exception
   * (unwrapped), {@link CallNotPermittedException} while the breaker is open, or {@link
   * TimeoutException}.
   */
  public <T> CompletableFuture<T> call(Callable<T> call) {
    AtomicInteger attempts = new AtomicInteger();
    Supplier<CompletionStage<T>> once =
        () -> {
          attempts.incrementAndGet();
          return timeLimiter.executeCompletionStage(scheduler, () -> CompletableFuture.supplyAsync(() -> {
            try {
              return call.call();
            } catch (Exception e) {
              throw new CompletionException(e);
            }
          }, io));
        };
    var guarded = Retry.decorateCompletionStage(retry, scheduler,
        CircuitBreaker.decorateCompletionStage(breaker, Bulkhead.decorateCompletionStage(bulkhead, once)));
    CompletableFuture<T> result = new CompletableFuture<>();
    guarded.get().whenComplete((value, error) -> {
      int retried = Math.max(0, attempts.get() - 1);
      if (retried > 0) {
        (error == null ? retriedSucceeded : retriedFailed).increment(retried);
      }
      if (error == null) {
        result.complete(value);
      } else {
        result.completeExceptionally(Futures.unwrap(error));
      }
    });
    return result;
  }

  /** Whether the breaker lets calls through (closed or half-open). */
  public boolean available() {
    CircuitBreaker.State state = breaker.getState();
    return state == CircuitBreaker.State.CLOSED || state == CircuitBreaker.State.HALF_OPEN;
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  public Retry retry() {
    return retry;
  }

  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** True for failures worth retrying and counting against the API's health. */
  public static boolean isTransient(Throwable error) {
    Throwable e = Futures.unwrap(error);
    if (e instanceof ApiException api) {
      int code = api.getCode();
      return code == 0 || code == 429 || code >= 500 || api.getCause() instanceof IOException;
    }
    return e instanceof IOException || e instanceof TimeoutException || e instanceof BulkheadFullException;
  }

  /** The HTTP status of an API failure, or 0 when there was no answer. */
  public static int status(Throwable error) {
    return Futures.unwrap(error) instanceof ApiException api ? api.getCode() : 0;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    io.shutdownNow();
  }
}
