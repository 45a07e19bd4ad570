package network.notifi.sluice.api.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.k8s.K8sQuota;
import network.notifi.sluice.k8s.K8sResilience;
import network.notifi.sluice.k8s.K8sResources;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.redis.RedisConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@link SluiceConfig} from an optional YAML file in the seed's shape and the environment.
 *
 * <p>Every key can be overridden by {@code SLUICE_} + its path in upper snake case, e.g. {@code
 * SLUICE_RATE_LIMITING_GLOBAL_RPS}; {@code SLUICE_PORT} is a short form of {@code
 * SLUICE_SERVER_PORT}. This class knows keys and types only: defaults come from the config records'
 * {@code defaults()} and bounds from their validation, whose messages name the key. An unknown key,
 * a value of the wrong type or out of range, or settings that contradict each other raise a {@link
 * ConfigException} whose one-line message names the key, the value and the rule.
 */
public final class ConfigLoader {

  /** The endpoint the seed's {@code build_start_*} keys configure. */
  public static final String BUILD_START = "build.start";

  /** The {@code rate_limiting} keys that {@link #limits} takes. */
  public static final List<String> LIMIT_KEYS = List.of(
      "global_rps", "global_burst", "global_shadow",
      "build_start_rps", "build_start_burst", "build_start_shadow",
      "third_party_rps", "third_party_burst", "third_party_shadow",
      "anonymous");

  /** {@code SLUICE_*} variables read outside this loader; any other that sets nothing is warned about. */
  private static final Set<String> OTHER_VARIABLES =
      Set.of("SLUICE_CONFIG", "SLUICE_PORT", "SLUICE_LOG_LEVEL", "SLUICE_ADMIN_TOKEN");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  private ConfigLoader() {}

  /**
   * Loads from {@code file} (if given) and {@code env}; a {@code SLUICE_*} variable that sets
   * nothing is logged as a warning.
   */
  public static SluiceConfig load(Optional<Path> file, Map<String, String> env) {
    return load(file, env, LOG::warn);
  }

  /** As {@link #load(Optional, Map)}, handing each warning to {@code warnings}. */
  public static SluiceConfig load(Optional<Path> file, Map<String, String> env, Consumer<String> warnings) {
    JsonNode root = null;
    if (file.isPresent()) {
      root = readYaml(file.get());
    }
    return load(root, env, warnings);
  }

  /** Loads from YAML text and {@code env}; for tests and tools. */
  public static SluiceConfig loadYaml(String yaml, Map<String, String> env) {
    try {
      return load(YAML.readTree(yaml), env, LOG::warn);
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

  private static SluiceConfig load(JsonNode root, Map<String, String> rawEnv, Consumer<String> warnings) {
    if (root != null && !root.isMissingNode() && !root.isNull() && !root.isObject()) {
      throw new ConfigException("configuration must be a YAML map of sections, was " + root.getNodeType());
    }
    Map<String, String> env = new HashMap<>(rawEnv);
    if (env.containsKey("SLUICE_PORT") && !env.containsKey("SLUICE_SERVER_PORT")) {
      env.put("SLUICE_SERVER_PORT", env.get("SLUICE_PORT"));
    }
    var source = new ConfigSource(root, env);
    rejectEndpointsSection(source);

    var server = server(source, env);
    var limiter = limiter(source, LimiterConfig.defaults());
    var rateLimiting = rateLimiting(source);
    var logging = logging(source);
    var jobs = jobs(source, rateLimiting);
    var redis = redis(source);
    NamespaceSettings.check(jobs.admission(), jobs.kubernetes());
    var identity = IdentitySettings.read(source, jobs.admission());

    source.rejectUnknownKeys();
    source.unusedVariables(OTHER_VARIABLES).forEach(warnings);
    return new SluiceConfig(server, limiter, rateLimiting, logging, jobs, redis, identity);
  }

  /**
   * The rate limits in {@code tree}, a map in the configuration file's shape that holds only the
   * {@code rate_limiting} keys of the token buckets ({@link #LIMIT_KEYS}); a key left out keeps its
   * value in {@code current}. The file's rules and messages apply; the environment does not.
   *
   * @throws ConfigException naming the key, the value and the rule
   */
  public static LimiterConfig limits(JsonNode tree, LimiterConfig current) {
    if (tree == null || !tree.isObject()) {
      throw new ConfigException("limits must be a JSON object like {\"rate_limiting\": {\"global_rps\": 100}}");
    }
    var source = new ConfigSource(tree, Map.of());
    var limits = limiter(source, current);
    source.rejectUnknownKeys(key -> key + " cannot be changed at runtime; rate_limiting."
        + String.join(", ", LIMIT_KEYS) + " can");
    return limits;
  }

  /**
   * {@code limits} as the {@code rate_limiting} keys that {@link #limits} takes, in {@link
   * #LIMIT_KEYS} order, so that equal limits give equal documents.
   */
  public static Map<String, Object> limitSettings(LimiterConfig limits) {
    Map<String, Object> settings = new LinkedHashMap<>();
    putLimit(settings, "global", limits.global());
    putLimit(settings, "build_start", limits.endpoints().get(BUILD_START));
    putLimit(settings, "third_party", limits.thirdParty());
    settings.put("anonymous", limits.anonymous().name().toLowerCase(Locale.ROOT));
    return settings;
  }

  private static void putLimit(Map<String, Object> settings, String prefix, Limit limit) {
    settings.put(prefix + "_rps", limit.ratePerSecond());
    settings.put(prefix + "_burst", limit.burst());
    settings.put(prefix + "_shadow", limit.shadow());
  }

  private static void rejectEndpointsSection(ConfigSource source) {
    if (!source.keys("endpoints").isEmpty()) {
      throw new ConfigException("endpoints: /events handles build.start only, whose limit is"
          + " rate_limiting.build_start_rps/_burst; other endpoints cannot be configured");
    }
  }

  private static SluiceConfig.Server server(ConfigSource source, Map<String, String> env) {
    var d = SluiceConfig.Server.defaults();
    String host = source.string("server.host", d.host());
    int port;
    try {
      port = source.intValue("server.port", d.port());
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
    int adminPort = source.intValue("server.admin_port", d.adminPort());
    long maxBody = source.longValue("server.max_body_bytes", d.maxBodyBytes());
    var l = d.limits();
    var limits = validated(source, () -> new SluiceConfig.Limits(
        source.intValue("server.max_header_bytes", l.maxHeaderBytes()),
        source.duration("server.idle_timeout", l.idleTimeout()),
        source.intValue("server.max_connections", l.maxConnections()),
        source.intValue("server.accept_queue_size", l.acceptQueueSize()),
        source.intValue("server.max_json_depth", l.maxJsonDepth())));
    return validated(source, () -> new SluiceConfig.Server(host, port, adminPort, maxBody, limits));
  }

  private static SluiceConfig.RateLimiting rateLimiting(ConfigSource source) {
    var d = SluiceConfig.RateLimiting.defaults();
    return validated(source, () -> new SluiceConfig.RateLimiting(
        source.intValue("rate_limiting.max_concurrent_jobs", d.maxConcurrentJobs()),
        source.duration("rate_limiting.failure_backoff_period", d.failureBackoffPeriod()),
        source.intValue("rate_limiting.max_retries", d.maxRetries()),
        source.duration("rate_limiting.retry_base_delay", d.retryBaseDelay()),
        source.longValue("rate_limiting.local_max_buckets", d.localMaxBuckets())));
  }

  private static SluiceConfig.Logging logging(ConfigSource source) {
    var d = SluiceConfig.Logging.defaults();
    return validated(source, () -> new SluiceConfig.Logging(
        source.intValue("logging.refusal_lines_per_kind", d.refusalLinesPerKind()),
        source.intValue("logging.refusal_lines_per_window", d.refusalLinesPerWindow()),
        source.duration("logging.refusal_window", d.refusalWindow())));
  }

  private static LimiterConfig limiter(ConfigSource source, LimiterConfig d) {
    Limit global = limit(source, "rate_limiting.global", d.global());
    Limit buildStart = limit(source, "rate_limiting.build_start", d.endpoints().get(BUILD_START));
    Limit thirdParty = limit(source, "rate_limiting.third_party", d.thirdParty());
    AnonymousPolicy anonymous = source.enumValue("rate_limiting.anonymous", d.anonymous());
    return new LimiterConfig(global, Map.of(BUILD_START, buildStart), thirdParty, anonymous);
  }

  /**
   * A limit from {@code prefix + _rps}, {@code _burst} and {@code _shadow}. {@link Limit} holds the
   * rule; this names the key and the value it was broken by.
   */
  private static Limit limit(ConfigSource source, String prefix, Limit d) {
    long rate = source.longValue(prefix + "_rps", d.ratePerSecond());
    long burst = source.longValue(prefix + "_burst", d.burst());
    boolean shadow = source.booleanValue(prefix + "_shadow", d.shadow());
    try {
      return new Limit(rate, burst, shadow);
    } catch (IllegalArgumentException e) {
      boolean burstBroke = e.getMessage().startsWith("burst");
      throw source.error(
          prefix + (burstBroke ? "_burst" : "_rps"), String.valueOf(burstBroke ? burst : rate), e.getMessage());
    }
  }

  private static SluiceConfig.Jobs jobs(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    JobsConfig d = JobsConfig.defaults();
    Map<String, Integer> namespaceLimits = new LinkedHashMap<>();
    for (String namespace : source.keys("jobs.namespace_limits")) {
      namespaceLimits.put(
          namespace, source.intValue("jobs.namespace_limits." + namespace, rateLimiting.maxConcurrentJobs()));
    }
    var local = validated(source, () -> new JobsConfig.Local(
        source.string("jobs.local.command", d.local().command()),
        source.duration("jobs.local.timeout", d.local().timeout()),
        source.intValue("jobs.local.log_limit_bytes", d.local().logLimitBytes())));
    var launcher = source.enumValue("jobs.launcher", SluiceConfig.Jobs.defaults().launcher());
    String defaultNamespace = source.string("jobs.default_namespace", d.defaultNamespace());
    // Without a list, the one namespace builds may name is the default one.
    var namespaces = new LinkedHashSet<>(source.list("jobs.namespaces", List.of(defaultNamespace)));
    return validated(source, () -> new SluiceConfig.Jobs(
        new JobsConfig(
            rateLimiting.maxConcurrentJobs(),
            namespaceLimits,
            source.intValue("jobs.max_concurrent_total", d.maxConcurrentTotal()),
            source.intValue("jobs.max_concurrent_per_third_party", d.maxConcurrentPerThirdParty()),
            namespaces,
            defaultNamespace,
            source.enumValue("jobs.on_capacity", d.onCapacity()),
            source.intValue("jobs.queue_max_depth", d.queueMaxDepth()),
            rateLimiting.failureBackoffPeriod(),
            source.duration("jobs.failure_backoff_max", d.failureBackoffMax()),
            source.duration("jobs.lease_duration", d.leaseDuration()),
            source.duration("jobs.record_ttl", d.recordTtl()),
            source.duration("jobs.expected_build_duration", d.expectedBuildDuration()),
            source.duration("jobs.dispatch_interval", d.dispatchInterval()),
            local),
        launcher,
        kubernetes(source, rateLimiting),
        source.enumValue("jobs.failure_mode", SluiceConfig.Jobs.defaults().failureMode())));
  }

  private static K8sConfig kubernetes(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    K8sConfig d = K8sConfig.defaults();
    String apiUrl = source.string("k8s.api_url", d.apiUrl().orElse(""));
    Map<String, String> mapping = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_mapping")) {
      mapping.put(namespace, source.string("k8s.namespace_mapping." + namespace, namespace));
    }
    var resources = resources(source, "k8s.resources", d.resources());
    Map<String, K8sResources> perNamespace = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_resources")) {
      perNamespace.put(namespace, resources(source, "k8s.namespace_resources." + namespace, resources));
    }
    var q = d.quota();
    var r = d.resilience();
    var quota = validated(source, () -> new K8sQuota(
        source.booleanValue("k8s.quota.ensure", q.ensure()),
        source.booleanValue("k8s.quota.check", q.check()),
        source.string("k8s.quota.name", q.name()),
        source.intValue("k8s.quota.jobs", q.jobs()),
        source.string("k8s.quota.limits_memory", q.limitsMemory()),
        source.string("k8s.quota.limits_cpu", q.limitsCpu()),
        source.string("k8s.quota.requests_ephemeral_storage", q.requestsEphemeralStorage())));
    var resilience = validated(source, () -> new K8sResilience(
        rateLimiting.maxRetries(),
        rateLimiting.retryBaseDelay(),
        source.duration("k8s.resilience.retry_max_delay", r.retryMaxDelay()),
        source.intValue("k8s.resilience.jitter_percent", (int) Math.round(r.jitter() * 100)) / 100.0,
        source.intValue("k8s.resilience.breaker_window", r.breakerWindow()),
        source.intValue("k8s.resilience.breaker_minimum_calls", r.breakerMinimumCalls()),
        source.intValue("k8s.resilience.breaker_failure_rate_percent", Math.round(r.breakerFailureRate())),
        source.duration("k8s.resilience.breaker_open_for", r.breakerOpenFor()),
        source.intValue("k8s.resilience.bulkhead", r.bulkhead()),
        source.duration("k8s.resilience.call_timeout", r.callTimeout())));
    return validated(source, () -> new K8sConfig(
        optional(apiUrl),
        new LinkedHashSet<>(source.list("k8s.namespaces", List.copyOf(d.namespaces()))),
        mapping,
        source.string("k8s.image", d.image()),
        source.list("k8s.command", d.command()),
        source.list("k8s.args", d.args()),
        source.intValue("k8s.backoff_limit", d.backoffLimit()),
        source.duration("k8s.active_deadline", d.activeDeadline()),
        source.duration("k8s.ttl_after_finished", d.ttlAfterFinished()),
        resources,
        perNamespace,
        optional(source.string("k8s.ingress_bandwidth", d.ingressBandwidth().orElse(""))),
        optional(source.string("k8s.egress_bandwidth", d.egressBandwidth().orElse(""))),
        quota,
        source.duration("k8s.reconcile_interval", d.reconcileInterval()),
        source.duration("k8s.grace_period", d.gracePeriod()),
        source.booleanValue("k8s.watch", d.watch()),
        resilience));
  }

  private static K8sResources resources(ConfigSource source, String path, K8sResources d) {
    return validated(source, () -> new K8sResources(
        source.string(path + ".requests.memory", d.requestsMemory()),
        source.string(path + ".requests.cpu", d.requestsCpu()),
        source.string(path + ".requests.ephemeral_storage", d.requestsEphemeralStorage()),
        source.string(path + ".limits.memory", d.limitsMemory()),
        source.string(path + ".limits.cpu", d.limitsCpu()),
        source.string(path + ".limits.ephemeral_storage", d.limitsEphemeralStorage())));
  }

  private static Optional<String> optional(String value) {
    return value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  private static RedisConfig redis(ConfigSource source) {
    RedisConfig d = RedisConfig.defaults();
    return validated(source, () -> new RedisConfig(
        source.enumValue("redis.mode", d.mode()),
        source.list("redis.addresses", d.addresses()),
        source.string("redis.password", d.password()),
        source.booleanValue("redis.tls", d.tls()),
        source.duration("redis.connect_timeout", d.connectTimeout()),
        source.duration("redis.command_timeout", d.commandTimeout()),
        source.duration("redis.decision_timeout", d.decisionTimeout()),
        source.intValue("redis.max_cas_attempts", d.maxCasAttempts()),
        source.string("redis.key_prefix", d.keyPrefix()),
        source.enumValue("redis.failure_mode", d.failureMode()),
        source.duration("redis.heartbeat_interval", d.heartbeatInterval()),
        source.duration("redis.heartbeat_ttl", d.heartbeatTtl()),
        source.duration("redis.clock_refresh_interval", d.clockRefreshInterval())));
  }

  /**
   * Builds a config record, whose validation holds the bounds and names the key, turning its
   * exception into a configuration error.
   */
  private static <T> T validated(ConfigSource source, Supplier<T> construction) {
    try {
      return construction.get();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw source.recordError(e.getMessage());
    }
  }
}
