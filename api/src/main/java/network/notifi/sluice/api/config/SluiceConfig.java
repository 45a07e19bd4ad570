package network.notifi.sluice.api.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import network.notifi.sluice.api.identity.ApiKeys;
import network.notifi.sluice.api.identity.IdentityMode;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.JobsFailureMode;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.k8s.K8sResilience;
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
 * @param identity how callers are identified
 */
public record SluiceConfig(
    Server server, LimiterConfig limiter, RateLimiting rateLimiting, Logging logging, Jobs jobs, RedisConfig redis,
    Identity identity) {

  public SluiceConfig {
    Objects.requireNonNull(identity, "identity");
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

  /**
   * @param mode how the caller is known ({@code identity.mode}, {@code header})
   * @param apiKeys keys configured inline ({@code identity.api_keys})
   * @param apiKeysFile a file of keys, reloaded when it changes ({@code identity.api_keys_file})
   */
  public record Identity(IdentityMode mode, ApiKeys apiKeys, Optional<Path> apiKeysFile) {

    public Identity {
      Objects.requireNonNull(mode, "identity.mode");
      Objects.requireNonNull(apiKeys, "identity.api_keys");
      Objects.requireNonNull(apiKeysFile, "identity.api_keys_file");
      if (apiKeys.size() > 0 && apiKeysFile.isPresent()) {
        throw new IllegalStateException("identity.api_keys and identity.api_keys_file are both set: configure keys in one place");
      }
      if (mode == IdentityMode.API_KEY && apiKeys.size() == 0 && apiKeysFile.isEmpty()) {
        throw new IllegalStateException("identity.mode api_key needs identity.api_keys or identity.api_keys_file");
      }
    }

    /** Header mode (the third party as the request names it), no keys. */
    public static Identity defaults() {
      return new Identity(IdentityMode.HEADER, ApiKeys.of(List.of()), Optional.empty());
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
   * @param failureMode what admission does while Redis cannot be asked ({@code jobs.failure_mode})
   */
  public record Jobs(JobsConfig admission, Launcher launcher, K8sConfig kubernetes, JobsFailureMode failureMode) {

    /** The embedded default: local builds, each module's defaults, local admission while Redis is down. */
    public static Jobs defaults() {
      return new Jobs(JobsConfig.defaults(), Launcher.LOCAL, K8sConfig.defaults(), JobsFailureMode.LOCAL);
    }
  }

  /**
   * @param host the address to bind
   * @param port the public port ({@code /events}, {@code /builds/{id}}, health); 0 picks a free one
   * @param adminPort the admin port ({@code /metrics}, {@code /ratelimits}, health); 0 picks a free one
   * @param maxBodyBytes the largest request body accepted; larger ones get 413
   * @param limits what one client may hold or send (against slow and hostile clients)
   */
  public record Server(String host, int port, int adminPort, long maxBodyBytes, Limits limits) {

    public Server {
      Objects.requireNonNull(host, "server.host");
      Objects.requireNonNull(limits, "server limits");
      within("server.port", port, 0, 65_535);
      within("server.admin_port", adminPort, 0, 65_535);
      atLeast("server.max_body_bytes", maxBodyBytes, 1);
      if (port != 0 && port == adminPort) {
        throw new IllegalStateException(
            "server.admin_port (" + adminPort + ") must differ from server.port (" + port + ")");
      }
    }

    /** All interfaces, the public port 8080, the admin port 9090, bodies up to 1 MiB, {@link Limits#defaults()}. */
    public static Server defaults() {
      return new Server("0.0.0.0", 8080, 9090, 1_048_576, Limits.defaults());
    }
  }

  /**
   * Limits of the HTTP server against slow and hostile clients.
   *
   * @param maxHeaderBytes the request line and headers together; more gets 431
   * @param idleTimeout a connection that sends nothing for this long is closed (slow clients)
   * @param maxConnections open connections on the public port at most; more wait to be accepted
   *     (the admin port is not counted, so monitoring still gets in)
   * @param acceptQueueSize connections the kernel queues before they are accepted
   * @param maxJsonDepth nesting of arrays and objects in a body at most; deeper gets 400
   */
  public record Limits(int maxHeaderBytes, Duration idleTimeout, int maxConnections, int acceptQueueSize, int maxJsonDepth) {

    public Limits {
      within("server.max_header_bytes", maxHeaderBytes, 1024, 1_048_576);
      atLeast("server.idle_timeout", idleTimeout, Duration.ofMillis(100));
      within("server.max_connections", maxConnections, 1, 1_000_000);
      within("server.accept_queue_size", acceptQueueSize, 1, 65_535);
      within("server.max_json_depth", maxJsonDepth, 2, 1_000);
    }

    /** 8 KiB of headers, 30 s idle, 4,096 connections, an accept queue of 1,024, JSON 32 deep. */
    public static Limits defaults() {
      return new Limits(8192, Duration.ofSeconds(30), 4096, 1024, 32);
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
      // where they are used: JobsConfig and K8sResilience.
      atLeast("rate_limiting.local_max_buckets", localMaxBuckets, 1);
    }

    /** The seed's values, and room for {@link InProcessBucketStore#DEFAULT_MAX_THIRD_PARTIES} buckets. */
    public static RateLimiting defaults() {
      var jobs = JobsConfig.defaults();
      var resilience = K8sResilience.defaults();
      return new RateLimiting(
          jobs.maxConcurrentJobs(),
          jobs.failureBackoffPeriod(),
          resilience.maxRetries(),
          resilience.retryBaseDelay(),
          InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES);
    }
  }

  private static void within(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", was " + value);
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
