package network.notifi.sluice.api.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.redis.RedisConfig;

/**
 * Loads {@link SluiceConfig} from an optional YAML file in the seed's shape and the environment.
 *
 * <p>Every key can be overridden by {@code SLUICE_} + its path in upper snake case, e.g. {@code
 * SLUICE_RATE_LIMITING_GLOBAL_RPS}; {@code SLUICE_PORT} is a short form of {@code
 * SLUICE_SERVER_PORT}. Defaults are the seed's. An unknown key, a value of the wrong type or out of
 * range, or settings that contradict each other raise a {@link ConfigException} whose one-line
 * message names the key, the value and the rule.
 */
public final class ConfigLoader {

  /** The endpoint the seed's {@code build_start_*} keys configure. */
  public static final String BUILD_START = "build.start";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /** Loads from {@code file} (if given) and {@code env}. */
  public static SluiceConfig load(Optional<Path> file, Map<String, String> env) {
    JsonNode root = null;
    if (file.isPresent()) {
      root = readYaml(file.get());
    }
    return load(root, env);
  }

  /** Loads from YAML text and {@code env}; for tests and tools. */
  public static SluiceConfig loadYaml(String yaml, Map<String, String> env) {
    try {
      return load(YAML.readTree(yaml), env);
    } catch (JsonProcessingException e) {
      throw new ConfigException("configuration is not valid YAML: " + e.getOriginalMessage());
    }
  }

  private static JsonNode readYaml(Path file) {
    try {
      return YAML.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (JsonProcessingException e) {
      var location = e.getLocation();
      throw new ConfigException(
          "config file " + file + " is not valid YAML"
              + (location == null ? "" : " at line " + location.getLineNr())
              + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static SluiceConfig load(JsonNode root, Map<String, String> rawEnv) {
    if (root != null && !root.isMissingNode() && !root.isNull() && !root.isObject()) {
      throw new ConfigException("configuration must be a YAML map of sections, was " + root.getNodeType());
    }
    Map<String, String> env = new HashMap<>(rawEnv);
    if (env.containsKey("SLUICE_PORT") && !env.containsKey("SLUICE_SERVER_PORT")) {
      env.put("SLUICE_SERVER_PORT", env.get("SLUICE_PORT"));
    }
    var source = new ConfigSource(root, env);

    var server = server(source, env);
    var limiter = limiter(source);
    var rateLimiting =
        new SluiceConfig.RateLimiting(
            source.intValue("rate_limiting.max_concurrent_jobs", 10, 1, 100_000),
            source.duration("rate_limiting.failure_backoff_period", Duration.ofMinutes(5), Duration.ofSeconds(1)),
            source.intValue("rate_limiting.max_retries", 3, 0, 100),
            source.duration("rate_limiting.retry_base_delay", Duration.ofMillis(100), Duration.ofMillis(1)),
            source.longValue("rate_limiting.local_max_buckets", InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES, 1));

    var logging =
        new SluiceConfig.Logging(
            source.intValue("logging.refusal_lines_per_kind", 10, 1, 1_000_000),
            source.intValue("logging.refusal_lines_per_window", 100, 1, 1_000_000),
            source.duration("logging.refusal_window", Duration.ofSeconds(10), Duration.ofSeconds(1)));

    var jobs = jobs(source, rateLimiting);
    var redis = redis(source);
    NamespaceSettings.check(jobs.admission(), jobs.kubernetes());
    var identity = IdentitySettings.read(source, jobs.admission());

    source.rejectUnknownKeys();
    return new SluiceConfig(server, limiter, rateLimiting, logging, jobs, redis, identity);
  }

  private static SluiceConfig.Server server(ConfigSource source, Map<String, String> env) {
    String host = source.string("server.host", "0.0.0.0");
    int port;
    try {
      port = source.intValue("server.port", 8080, 0, 65_535);
    } catch (ConfigException e) {
      String shortForm = env.get("SLUICE_PORT");
      if (shortForm != null && shortForm.contains("://")) {
        throw new ConfigException(
            e.getMessage()
                + " (SLUICE_PORT looks like a Kubernetes service link: name the Service otherwise"
                + " or set enableServiceLinks: false)");
      }
      throw e;
    }
    int adminPort = source.intValue("server.admin_port", 9090, 0, 65_535);
    long maxBody = source.longValue("server.max_body_bytes", 1_048_576, 1);
    var d = SluiceConfig.Limits.defaults();
    var limits = new SluiceConfig.Limits(
        source.intValue("server.max_header_bytes", d.maxHeaderBytes(), 1024, 1_048_576),
        source.duration("server.idle_timeout", d.idleTimeout(), Duration.ofMillis(100)),
        source.intValue("server.max_connections", d.maxConnections(), 1, 1_000_000),
        source.intValue("server.accept_queue_size", d.acceptQueueSize(), 1, 65_535),
        source.intValue("server.max_json_depth", d.maxJsonDepth(), 2, 1_000));
    return validated(() -> new SluiceConfig.Server(host, port, adminPort, maxBody, limits));
  }

  private static LimiterConfig limiter(ConfigSource source) {
    Limit global =
        limit(source, "rate_limiting.global_rps", 100, "rate_limiting.global_burst", 200, "rate_limiting.global_shadow");
    Map<String, Limit> endpoints = new LinkedHashMap<>();
    endpoints.put(
        BUILD_START,
        limit(
            source,
            "rate_limiting.build_start_rps", 50,
            "rate_limiting.build_start_burst", 100,
            "rate_limiting.build_start_shadow"));
    for (String name : source.keys("endpoints")) {
      if (!name.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
        throw new ConfigException(
            "endpoints." + name + ": endpoint names must match [a-z0-9][a-z0-9._-]{0,62}");
      }
      if (name.equals(BUILD_START)) {
        throw new ConfigException(
            "endpoints.\"build.start\" contradicts rate_limiting.build_start_rps/_burst:"
                + " configure build.start in one place");
      }
      endpoints.put(
          name,
          limit(
              source,
              ConfigSource.entryPath("endpoints", name, "rps"), 0,
              ConfigSource.entryPath("endpoints", name, "burst"), 0,
              ConfigSource.entryPath("endpoints", name, "shadow")));
    }
    Limit thirdParty =
        limit(
            source,
            "rate_limiting.third_party_rps", 10,
            "rate_limiting.third_party_burst", 20,
            "rate_limiting.third_party_shadow");
    AnonymousPolicy anonymous = source.enumValue("rate_limiting.anonymous", AnonymousPolicy.SKIP);
    return new LimiterConfig(global, endpoints, thirdParty, anonymous);
  }

  private static SluiceConfig.Jobs jobs(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    JobsConfig d = JobsConfig.defaults();
    Map<String, Integer> namespaceLimits = new LinkedHashMap<>();
    for (String namespace : source.keys("jobs.namespace_limits")) {
      namespaceLimits.put(
          namespace, source.intValue("jobs.namespace_limits." + namespace, rateLimiting.maxConcurrentJobs(), 1, 100_000));
    }
    var local =
        new JobsConfig.Local(
            source.string("jobs.local.command", d.local().command()),
            source.duration("jobs.local.timeout", d.local().timeout(), Duration.ofSeconds(1)),
            source.intValue("jobs.local.log_limit_bytes", d.local().logLimitBytes(), 1024, 64 * 1024 * 1024));
    var launcher = source.enumValue("jobs.launcher", SluiceConfig.Launcher.LOCAL);
    String defaultNamespace = source.string("jobs.default_namespace", d.defaultNamespace());
    var namespaces = new LinkedHashSet<>(source.list("jobs.namespaces", List.of(defaultNamespace)));
    return validated(() -> new SluiceConfig.Jobs(
        new JobsConfig(
            rateLimiting.maxConcurrentJobs(),
            namespaceLimits,
            namespaces,
            defaultNamespace,
            source.enumValue("jobs.on_capacity", d.onCapacity()),
            source.intValue("jobs.queue_max_depth", d.queueMaxDepth(), 1, 10_000_000),
            rateLimiting.failureBackoffPeriod(),
            source.duration("jobs.failure_backoff_max", d.failureBackoffMax(), Duration.ofSeconds(1)),
            source.duration("jobs.lease_duration", d.leaseDuration(), Duration.ofSeconds(1)),
            source.duration("jobs.record_ttl", d.recordTtl(), Duration.ofSeconds(1)),
            source.duration("jobs.expected_build_duration", d.expectedBuildDuration(), Duration.ofSeconds(1)),
            source.duration("jobs.dispatch_interval", d.dispatchInterval(), Duration.ofMillis(10)),
            local),
        launcher,
        kubernetes(source, rateLimiting)));
  }

  private static K8sConfig kubernetes(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    K8sConfig d = K8sConfig.defaults();
    String apiUrl = source.string("k8s.api_url", "");
    Map<String, String> mapping = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_mapping")) {
      mapping.put(namespace, source.string("k8s.namespace_mapping." + namespace, namespace));
    }
    var resources = resources(source, "k8s.resources", d.resources());
    Map<String, K8sConfig.Resources> perNamespace = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_resources")) {
      perNamespace.put(namespace, resources(source, "k8s.namespace_resources." + namespace, resources));
    }
    var q = d.quota();
    var r = d.resilience();
    return validated(() -> new K8sConfig(
        apiUrl.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(apiUrl),
        new java.util.LinkedHashSet<>(source.list("k8s.namespaces", List.copyOf(d.namespaces()))),
        mapping,
        source.string("k8s.image", d.image()),
        source.list("k8s.command", d.command()),
        source.list("k8s.args", d.args()),
        source.intValue("k8s.backoff_limit", d.backoffLimit(), 0, 100),
        source.duration("k8s.active_deadline", d.activeDeadline(), Duration.ofSeconds(1)),
        source.duration("k8s.ttl_after_finished", d.ttlAfterFinished(), Duration.ZERO),
        resources,
        perNamespace,
        optional(source.string("k8s.ingress_bandwidth", "")),
        optional(source.string("k8s.egress_bandwidth", "")),
        new K8sConfig.Quota(
            source.booleanValue("k8s.quota.ensure", q.ensure()),
            source.booleanValue("k8s.quota.check", q.check()),
            source.string("k8s.quota.name", q.name()),
            source.intValue("k8s.quota.jobs", q.jobs(), 1, 1_000_000),
            source.string("k8s.quota.limits_memory", q.limitsMemory()),
            source.string("k8s.quota.limits_cpu", q.limitsCpu()),
            source.string("k8s.quota.requests_ephemeral_storage", q.requestsEphemeralStorage())),
        source.duration("k8s.reconcile_interval", d.reconcileInterval(), Duration.ofMillis(100)),
        source.duration("k8s.grace_period", d.gracePeriod(), Duration.ZERO),
        source.booleanValue("k8s.watch", d.watch()),
        new K8sConfig.Resilience(
            rateLimiting.maxRetries(),
            rateLimiting.retryBaseDelay(),
            source.duration("k8s.resilience.retry_max_delay", r.retryMaxDelay(), Duration.ofMillis(1)),
            source.intValue("k8s.resilience.jitter_percent", (int) Math.round(r.jitter() * 100), 0, 100) / 100.0,
            source.intValue("k8s.resilience.breaker_window", r.breakerWindow(), 1, 10_000),
            source.intValue("k8s.resilience.breaker_minimum_calls", r.breakerMinimumCalls(), 1, 10_000),
            source.intValue("k8s.resilience.breaker_failure_rate_percent", Math.round(r.breakerFailureRate()), 1, 100),
            source.duration("k8s.resilience.breaker_open_for", r.breakerOpenFor(), Duration.ofMillis(1)),
            source.intValue("k8s.resilience.bulkhead", r.bulkhead(), 1, 10_000),
            source.duration("k8s.resilience.call_timeout", r.callTimeout(), Duration.ofMillis(1)))));
  }

  private static K8sConfig.Resources resources(ConfigSource source, String path, K8sConfig.Resources d) {
    return validated(() -> new K8sConfig.Resources(
        source.string(path + ".requests.memory", d.requestsMemory()),
        source.string(path + ".requests.cpu", d.requestsCpu()),
        source.string(path + ".requests.ephemeral_storage", d.requestsEphemeralStorage()),
        source.string(path + ".limits.memory", d.limitsMemory()),
        source.string(path + ".limits.cpu", d.limitsCpu()),
        source.string(path + ".limits.ephemeral_storage", d.limitsEphemeralStorage())));
  }

  private static java.util.Optional<String> optional(String value) {
    return value.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(value);
  }

  private static RedisConfig redis(ConfigSource source) {
    RedisConfig d = RedisConfig.defaults();
    return validated(() -> new RedisConfig(
        source.enumValue("redis.mode", d.mode()),
        source.list("redis.addresses", d.addresses()),
        source.string("redis.password", d.password()),
        source.booleanValue("redis.tls", d.tls()),
        source.duration("redis.connect_timeout", d.connectTimeout(), Duration.ofMillis(1)),
        source.duration("redis.command_timeout", d.commandTimeout(), Duration.ofMillis(1)),
        source.duration("redis.decision_timeout", d.decisionTimeout(), Duration.ofMillis(1)),
        source.intValue("redis.max_cas_attempts", d.maxCasAttempts(), 1, 1_000),
        source.string("redis.key_prefix", d.keyPrefix()),
        source.enumValue("redis.failure_mode", d.failureMode()),
        source.duration("redis.heartbeat_interval", d.heartbeatInterval(), Duration.ofMillis(1)),
        source.duration("redis.heartbeat_ttl", d.heartbeatTtl(), Duration.ofMillis(1)),
        source.duration("redis.clock_refresh_interval", d.clockRefreshInterval(), Duration.ofMillis(1))));
  }

  /** Runs a module's own validation, turning its exception into a configuration error. */
  private static <T> T validated(java.util.function.Supplier<T> construction) {
    try {
      return construction.get();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** A limit from two keys; a default of 0 means the key is required. */
  private static Limit limit(
      ConfigSource source, String ratePath, long defaultRate, String burstPath, long defaultBurst, String shadowPath) {
    long rate = defaultRate == 0 ? source.requiredLong(ratePath, 1) : source.longValue(ratePath, defaultRate, 1);
    long burst = defaultBurst == 0 ? source.requiredLong(burstPath, 1) : source.longValue(burstPath, defaultBurst, 1);
    boolean shadow = source.booleanValue(shadowPath, false);
    return new Limit(rate, burst, shadow);
  }
}
