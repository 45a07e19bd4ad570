package network.notifi.sluice.api.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import network.notifi.sluice.api.identity.ApiKeys;
import network.notifi.sluice.api.identity.IdentityMode;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.limiter.LimiterConfig;
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
  public record Logging(int refusalLinesPerKind, int refusalLinesPerWindow, Duration refusalWindow) {}

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

    /** Today's behaviour: the third party as the request names it. */
    public static Identity header() {
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
   */
  public record Jobs(JobsConfig admission, Launcher launcher, K8sConfig kubernetes) {}

  /**
   * @param host the address to bind
   * @param port the public port ({@code /events}, {@code /builds/{id}}, health); 0 picks a free one
   * @param adminPort the admin port ({@code /metrics}, {@code /ratelimits}, health); 0 picks a free one
   * @param maxBodyBytes the largest request body accepted; larger ones get 413
   * @param limits what one client may hold or send (against slow and hostile clients)
   */
  public record Server(String host, int port, int adminPort, long maxBodyBytes, Limits limits) {

    public Server {
      if (port != 0 && port == adminPort) {
        throw new IllegalStateException(
            "server.admin_port (" + adminPort + ") must differ from server.port (" + port + ")");
      }
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

    /** The defaults, for tests and tools. */
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
      long localMaxBuckets) {}
}
