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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
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
 *
 * <p>This class reads the file and the environment and the small sections; the larger ones have
 * their own readers: {@link LimitSettings} (also for runtime changes), {@link JobsSettings} with
 * {@link KubernetesSettings}, and {@link IdentitySettings}.
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
    var limiter = LimitSettings.read(source, LimiterConfig.defaults());
    var rateLimiting = rateLimiting(source);
    var logging = logging(source);
    var jobs = JobsSettings.read(source, rateLimiting);
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
    return LimitSettings.change(tree, current);
  }

  /**
   * {@code limits} as the {@code rate_limiting} keys that {@link #limits} takes, in {@link
   * #LIMIT_KEYS} order, so that equal limits give equal documents.
   */
  public static Map<String, Object> limitSettings(LimiterConfig limits) {
    return LimitSettings.document(limits);
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
    var limits = source.validated(() -> new SluiceConfig.Limits(
        source.intValue("server.max_header_bytes", l.maxHeaderBytes()),
        source.duration("server.idle_timeout", l.idleTimeout()),
        source.intValue("server.max_connections", l.maxConnections()),
        source.intValue("server.accept_queue_size", l.acceptQueueSize()),
        source.intValue("server.max_json_depth", l.maxJsonDepth())));
    return source.validated(() -> new SluiceConfig.Server(host, port, adminPort, maxBody, limits));
  }

  private static SluiceConfig.RateLimiting rateLimiting(ConfigSource source) {
    var d = SluiceConfig.RateLimiting.defaults();
    return source.validated(() -> new SluiceConfig.RateLimiting(
        source.intValue("rate_limiting.max_concurrent_jobs", d.maxConcurrentJobs()),
        source.duration("rate_limiting.failure_backoff_period", d.failureBackoffPeriod()),
        source.intValue("rate_limiting.max_retries", d.maxRetries()),
        source.duration("rate_limiting.retry_base_delay", d.retryBaseDelay()),
        source.longValue("rate_limiting.local_max_buckets", d.localMaxBuckets())));
  }

  private static SluiceConfig.Logging logging(ConfigSource source) {
    var d = SluiceConfig.Logging.defaults();
    return source.validated(() -> new SluiceConfig.Logging(
        source.intValue("logging.refusal_lines_per_kind", d.refusalLinesPerKind()),
        source.intValue("logging.refusal_lines_per_window", d.refusalLinesPerWindow()),
        source.duration("logging.refusal_window", d.refusalWindow())));
  }

  private static RedisConfig redis(ConfigSource source) {
    RedisConfig d = RedisConfig.defaults();
    return source.validated(() -> new RedisConfig(
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
        source.duration("redis.clock_refresh_interval", d.clockRefreshInterval()),
        new RedisConfig.HotKeyLeaseConfig(
            source.intValue("redis.hot_key_leases.tokens", d.hotKeyLeases().tokens()),
            source.duration("redis.hot_key_leases.max_age", d.hotKeyLeases().maxAge()))));
  }
}
