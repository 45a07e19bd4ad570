package network.notifi.sluice.k8s;

import java.time.Duration;
import network.notifi.sluice.common.Settings;

/**
 * Resilience4j settings of API calls.
 *
 * @param maxRetries retries after the first attempt ({@code rate_limiting.max_retries}, 3)
 * @param retryBaseDelay the first retry's delay ({@code rate_limiting.retry_base_delay}, 100ms);
 *     each further one doubles, with jitter
 * @param retryMaxDelay the longest delay ({@code k8s.resilience.retry_max_delay}, 3.2s)
 * @param jitter randomisation factor of each delay, 0 to 1 ({@code k8s.resilience.jitter_percent}
 *     in percent, 50)
 * @param breakerWindow calls in the breaker's sliding window ({@code k8s.resilience.breaker_window},
 *     20)
 * @param breakerMinimumCalls calls before the breaker may open ({@code
 *     k8s.resilience.breaker_minimum_calls}, 10)
 * @param breakerFailureRate percent of failed calls that opens it ({@code
 *     k8s.resilience.breaker_failure_rate_percent}, 50)
 * @param breakerOpenFor how long it stays open before probing ({@code
 *     k8s.resilience.breaker_open_for}, 10s)
 * @param bulkhead concurrent API calls at most ({@code k8s.resilience.bulkhead}, 16)
 * @param callTimeout the time limit of one attempt ({@code k8s.resilience.call_timeout}, 10s)
 */
public record K8sResilience(
    int maxRetries,
    Duration retryBaseDelay,
    Duration retryMaxDelay,
    double jitter,
    int breakerWindow,
    int breakerMinimumCalls,
    float breakerFailureRate,
    Duration breakerOpenFor,
    int bulkhead,
    Duration callTimeout) {

  public K8sResilience {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("rate_limiting.max_retries must be >= 0, was " + maxRetries);
    }
    Settings.requirePositive("rate_limiting.retry_base_delay", retryBaseDelay);
    Settings.requirePositive("k8s.resilience.retry_max_delay", retryMaxDelay);
    if (retryMaxDelay.compareTo(retryBaseDelay) < 0) {
      throw new IllegalStateException("k8s.resilience.retry_max_delay (" + retryMaxDelay
          + ") must be >= rate_limiting.retry_base_delay (" + retryBaseDelay + ")");
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException(
          "k8s.resilience.jitter_percent must be >= 0 and < 100, was " + Math.round(jitter * 100));
    }
    if (breakerWindow < 1) {
      throw new IllegalArgumentException("k8s.resilience.breaker_window must be >= 1, was " + breakerWindow);
    }
    if (breakerMinimumCalls < 1) {
      throw new IllegalArgumentException(
          "k8s.resilience.breaker_minimum_calls must be >= 1, was " + breakerMinimumCalls);
    }
    if (!(breakerFailureRate > 0 && breakerFailureRate <= 100)) {
      throw new IllegalArgumentException(
          "k8s.resilience.breaker_failure_rate_percent must be > 0 and <= 100, was " + Math.round(breakerFailureRate));
    }
    Settings.requirePositive("k8s.resilience.breaker_open_for", breakerOpenFor);
    if (bulkhead < 1) {
      throw new IllegalArgumentException("k8s.resilience.bulkhead must be >= 1, was " + bulkhead);
    }
    Settings.requirePositive("k8s.resilience.call_timeout", callTimeout);
  }

  public static K8sResilience defaults() {
    return new K8sResilience(3, Duration.ofMillis(100), Duration.ofMillis(3200), 0.5, 20, 10, 50f,
        Duration.ofSeconds(10), 16, Duration.ofSeconds(10));
  }

  public K8sResilience withBreaker(int window, int minimumCalls, Duration openFor) {
    return new K8sResilience(maxRetries, retryBaseDelay, retryMaxDelay, jitter, window, minimumCalls,
        breakerFailureRate, openFor, bulkhead, callTimeout);
  }

  public K8sResilience withRetries(int value) {
    return new K8sResilience(value, retryBaseDelay, retryMaxDelay, jitter, breakerWindow,
        breakerMinimumCalls, breakerFailureRate, breakerOpenFor, bulkhead, callTimeout);
  }

  public K8sResilience withCallTimeout(Duration value) {
    return new K8sResilience(maxRetries, retryBaseDelay, retryMaxDelay, jitter, breakerWindow,
        breakerMinimumCalls, breakerFailureRate, breakerOpenFor, bulkhead, value);
  }
}
