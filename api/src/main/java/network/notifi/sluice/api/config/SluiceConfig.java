package network.notifi.sluice.api.config;

import java.time.Duration;
import java.util.Objects;
import network.notifi.sluice.limiter.LimiterConfig;

/**
 * Everything Sluice is configured with, validated. Built by {@link ConfigLoader}; immutable.
 *
 * @param server where and how the HTTP server listens
 * @param limiter the rate-limit levels
 * @param rateLimiting the seed's {@code rate_limiting} block beyond the token buckets
 */
public record SluiceConfig(Server server, LimiterConfig limiter, RateLimiting rateLimiting) {

  public SluiceConfig {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(rateLimiting, "rateLimiting");
  }

  /**
   * @param host the address to bind
   * @param port the port; 0 picks a free one
   * @param maxBodyBytes the largest request body accepted; larger ones get 413
   */
  public record Server(String host, int port, long maxBodyBytes) {}

  /**
   * @param maxConcurrentJobs running builds allowed per namespace
   * @param failureBackoffPeriod how long a parser is refused after a failed build
   * @param maxRetries retries of a failed call to a dependency
   * @param retryBaseDelay the first retry's delay; it doubles with every retry
   * @param localMaxBuckets the most third-party buckets the in-process store holds at once
   */
  public record RateLimiting(
      int maxConcurrentJobs,
      Duration failureBackoffPeriod,
      int maxRetries,
      Duration retryBaseDelay,
      long localMaxBuckets) {}
}
