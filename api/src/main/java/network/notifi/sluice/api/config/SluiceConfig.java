package network.notifi.sluice.api.config;

import java.time.Duration;
import java.util.Objects;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.redis.RedisConfig;

/**
 * Everything Sluice is configured with, validated. Built by {@link ConfigLoader}; immutable.
 *
 * @param server where and how the HTTP server listens
 * @param limiter the rate-limit levels
 * @param rateLimiting the seed's {@code rate_limiting} block beyond the token buckets
 * @param logging how refusals are logged
 * @param jobs build admission and the launcher
 * @param redis where shared state lives; mode none is the embedded default
 */
public record SluiceConfig(
    Server server, LimiterConfig limiter, RateLimiting rateLimiting, Logging logging, Jobs jobs, RedisConfig redis) {

  public SluiceConfig {
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(jobs, "jobs");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(rateLimiting, "rateLimiting");
    Objects.requireNonNull(logging, "logging");
  }

  /**
   * @param refusalLinesPerKind log lines per kind of refusal per window; the rest are summarised
   * @param refusalLinesPerWindow log lines about refusals in all per window, summaries included
   * @param refusalWindow the window
   */
  public record Logging(int refusalLinesPerKind, int refusalLinesPerWindow, Duration refusalWindow) {

    public Logging {
      atLeast("logging.refusal_lines_per_kind", refusalLinesPerKind, 1);
      atLeast("logging.refusal_lines_per_window", refusalLinesPerWindow, 1);
      atLeast("logging.refusal_window", refusalWindow, Duration.ofSeconds(1));
    }

    /** 10 lines per kind and 100 in all per 10 s window. */
    public static Logging defaults() {
      return new Logging(10, 100, Duration.ofSeconds(10));
    }
  }

  /** Where builds run. */
  public enum Launcher {
    /** Each build as a child process of Sluice: the embedded default. */
    LOCAL,
    /** Each build as a Kubernetes Job. */
    KUBERNETES
  }

  /**
   * @param admission slots, queue, backoff and the local launcher's settings
   * @param launcher where builds run
   * @param kubernetes the Kubernetes launcher's settings ({@code k8s.*}), used with launcher kubernetes
   */
  public record Jobs(JobsConfig admission, Launcher launcher, K8sConfig kubernetes) {

    /** The embedded default: local builds, each module's defaults. */
    public static Jobs defaults() {
      return new Jobs(JobsConfig.defaults(), Launcher.LOCAL, K8sConfig.defaults());
    }
  }

  /**
   * @param host the address to bind
   * @param port the port; 0 picks a free one
   * @param maxBodyBytes the largest request body accepted; larger ones get 413
   */
  public record Server(String host, int port, long maxBodyBytes) {

    public Server {
      Objects.requireNonNull(host, "server.host");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("server.port must be 0..65535, was " + port);
      }
      atLeast("server.max_body_bytes", maxBodyBytes, 1);
    }

    /** All interfaces, port 8080, bodies up to 1 MiB. */
    public static Server defaults() {
      return new Server("0.0.0.0", 8080, 1_048_576);
    }
  }

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
      long localMaxBuckets) {

    public RateLimiting {
      // max_concurrent_jobs, failure_backoff_period, max_retries and retry_base_delay are validated
      // where they are used: JobsConfig and K8sConfig.Resilience.
      atLeast("rate_limiting.local_max_buckets", localMaxBuckets, 1);
    }

    /** The seed's values, and room for {@link InProcessBucketStore#DEFAULT_MAX_THIRD_PARTIES} buckets. */
    public static RateLimiting defaults() {
      var jobs = JobsConfig.defaults();
      var resilience = K8sConfig.Resilience.defaults();
      return new RateLimiting(
          jobs.maxConcurrentJobs(),
          jobs.failureBackoffPeriod(),
          resilience.maxRetries(),
          resilience.retryBaseDelay(),
          InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES);
    }
  }

  private static void atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be >= " + min + ", was " + value);
    }
  }

  private static void atLeast(String key, Duration value, Duration min) {
    if (value == null || value.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          key + " must be >= " + Durations.format(min) + ", was " + (value == null ? null : Durations.format(value)));
    }
  }
}
