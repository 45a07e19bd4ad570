package network.notifi.sluice.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import network.notifi.sluice.common.Settings;

/**
 * How Sluice reaches Redis and what it does when Redis is gone. Immutable; the compact constructor
 * validates every field and names the configuration key in its message ({@link
 * IllegalArgumentException} for a bad value, {@link IllegalStateException} for settings that
 * contradict each other).
 *
 * @param mode {@code redis.mode}: none (embedded in-process stores), standalone or cluster
 * @param addresses {@code redis.addresses}: {@code host:port} of the server, or of any cluster nodes
 * @param password {@code redis.password}; empty for none
 * @param tls {@code redis.tls}: connect with TLS ({@code rediss://})
 * @param connectTimeout {@code redis.connect_timeout}
 * @param commandTimeout {@code redis.command_timeout}: one Redis command
 * @param decisionTimeout {@code redis.decision_timeout}: one bucket operation, CAS retries included
 * @param maxCasAttempts {@code redis.max_cas_attempts}: compare-and-swap attempts per bucket operation
 * @param keyPrefix {@code redis.key_prefix}: prepended to every key
 * @param failureMode {@code redis.failure_mode}: what decisions do while Redis is unreachable
 * @param heartbeatInterval {@code redis.heartbeat_interval}: how often a replica announces itself
 *     and counts the others
 * @param heartbeatTtl {@code redis.heartbeat_ttl}: how long an announcement counts
 * @param clockRefreshInterval {@code redis.clock_refresh_interval}: how often the offset to Redis
 *     {@code TIME} is measured again
 * @param hotKeyLeases {@code redis.hot_key_leases}: opt-in token leases of the global and endpoint
 *     buckets; off by default
 */
public record RedisConfig(
    Mode mode,
    List<String> addresses,
    String password,
    boolean tls,
    Duration connectTimeout,
    Duration commandTimeout,
    Duration decisionTimeout,
    int maxCasAttempts,
    String keyPrefix,
    FailureMode failureMode,
    Duration heartbeatInterval,
    Duration heartbeatTtl,
    Duration clockRefreshInterval,
    HotKeyLeaseConfig hotKeyLeases) {

  /**
   * Token leases of the global and endpoint buckets ({@code redis.hot_key_leases.*}): a replica takes
   * {@code tokens} at once and hands them out for at most {@code maxAge}. Exact (off) when {@code
   * tokens} is 0, the default. When on, a bucket admits at most {@code rate × maxAge} more than an
   * exact one in any window; see docs/configuration.md.
   *
   * @param tokens {@code redis.hot_key_leases.tokens}: tokens per lease, 0 (off) or at least 2
   * @param maxAge {@code redis.hot_key_leases.max_age}: how long a lease's tokens may be handed out
   */
  public record HotKeyLeaseConfig(int tokens, Duration maxAge) {

    public HotKeyLeaseConfig {
      if (tokens != 0 && tokens < 2) {
        throw new IllegalArgumentException("redis.hot_key_leases.tokens must be 0 (off) or >= 2, was " + tokens);
      }
      Settings.requirePositive("redis.hot_key_leases.max_age", maxAge);
    }

    /** Off: every decision on the global and endpoint buckets is the shared bucket's. */
    public static HotKeyLeaseConfig off() {
      return new HotKeyLeaseConfig(0, Duration.ofMillis(100));
    }

    /** Whether leases are taken. */
    public boolean enabled() {
      return tokens > 0;
    }
  }

  /** Where buckets live. */
  public enum Mode {
    /** No Redis: in-process stores, one replica. */
    NONE,
    STANDALONE,
    CLUSTER;

    /** Parses {@code none|standalone|cluster}, case-insensitively. */
    public static Mode parse(String value) {
      return Settings.parseEnum(Mode.class, "redis.mode", value);
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a decision does while Redis is unreachable or the circuit breaker is open. */
  public enum FailureMode {
    /** In-process buckets sized limit ÷ live replicas. */
    LOCAL,
    /** Admit every request. */
    OPEN,
    /** Refuse every request, with a retry-after. */
    CLOSED;

    /** Parses {@code local|open|closed}, case-insensitively. */
    public static FailureMode parse(String value) {
      return Settings.parseEnum(FailureMode.class, "redis.failure_mode", value);
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Pattern HOST_PORT = Pattern.compile("^([A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:]+]):(\\d{1,5})$");
  private static final Pattern PREFIX = Pattern.compile("^[A-Za-z0-9._:\\-]*$");

  public RedisConfig {
    Objects.requireNonNull(mode, "redis.mode must be set");
    addresses = List.copyOf(Objects.requireNonNull(addresses, "redis.addresses must be set"));
    password = password == null ? "" : password;
    Objects.requireNonNull(keyPrefix, "redis.key_prefix must be set");
    Objects.requireNonNull(failureMode, "redis.failure_mode must be set");
    Objects.requireNonNull(hotKeyLeases, "redis.hot_key_leases must be set");
    for (String address : addresses) {
      var m = HOST_PORT.matcher(address);
      if (!m.matches()) {
        throw new IllegalArgumentException("redis.addresses must be host:port, was '" + address + "'");
      }
      int port = Integer.parseInt(m.group(2));
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("redis.addresses port must be 1..65535, was '" + address + "'");
      }
    }
    if (mode != Mode.NONE && addresses.isEmpty()) {
      throw new IllegalStateException("redis.addresses must not be empty when redis.mode is " + mode);
    }
    if (mode == Mode.STANDALONE && addresses.size() > 1) {
      throw new IllegalStateException(
          "redis.addresses must hold one address when redis.mode is standalone, was " + addresses.size());
    }
    Settings.requirePositive("redis.connect_timeout", connectTimeout);
    Settings.requirePositive("redis.command_timeout", commandTimeout);
    Settings.requirePositive("redis.decision_timeout", decisionTimeout);
    Settings.requirePositive("redis.heartbeat_interval", heartbeatInterval);
    Settings.requirePositive("redis.heartbeat_ttl", heartbeatTtl);
    Settings.requirePositive("redis.clock_refresh_interval", clockRefreshInterval);
    if (maxCasAttempts < 1) {
      throw new IllegalArgumentException("redis.max_cas_attempts must be >= 1, was " + maxCasAttempts);
    }
    if (!PREFIX.matcher(keyPrefix).matches()) {
      throw new IllegalArgumentException(
          "redis.key_prefix may hold only letters, digits, '.', '_', ':' and '-', was '" + keyPrefix + "'");
    }
    if (heartbeatTtl.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalStateException("redis.heartbeat_ttl (" + heartbeatTtl
          + ") must be longer than redis.heartbeat_interval (" + heartbeatInterval + ")");
    }
  }

  /**
   * Mode none, no addresses, no password, no TLS, connect timeout 1 s, command timeout 250 ms,
   * decision timeout 500 ms, 8 CAS attempts, prefix {@code sluice:}, failure mode local, heartbeat
   * every 2 s counting for 6 s, clock offset refreshed every 10 s, no hot-key leases.
   */
  public static RedisConfig defaults() {
    return new RedisConfig(
        Mode.NONE,
        List.of(),
        "",
        false,
        Duration.ofSeconds(1),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        8,
        "sluice:",
        FailureMode.LOCAL,
        Duration.ofSeconds(2),
        Duration.ofSeconds(6),
        Duration.ofSeconds(10),
        HotKeyLeaseConfig.off());
  }

  /** These settings with another mode and addresses. */
  public RedisConfig withServers(Mode mode, List<String> addresses) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, commandTimeout, decisionTimeout,
        maxCasAttempts, keyPrefix, failureMode, heartbeatInterval, heartbeatTtl, clockRefreshInterval, hotKeyLeases);
  }

  /** These settings with another key prefix. */
  public RedisConfig withKeyPrefix(String prefix) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, commandTimeout, decisionTimeout,
        maxCasAttempts, prefix, failureMode, heartbeatInterval, heartbeatTtl, clockRefreshInterval, hotKeyLeases);
  }

  /** These settings with another failure mode. */
  public RedisConfig withFailureMode(FailureMode failureMode) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, commandTimeout, decisionTimeout,
        maxCasAttempts, keyPrefix, failureMode, heartbeatInterval, heartbeatTtl, clockRefreshInterval, hotKeyLeases);
  }

  /** These settings with other command and decision timeouts. */
  public RedisConfig withTimeouts(Duration command, Duration decision) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, command, decision,
        maxCasAttempts, keyPrefix, failureMode, heartbeatInterval, heartbeatTtl, clockRefreshInterval, hotKeyLeases);
  }

  /** These settings with other heartbeat timings. */
  public RedisConfig withHeartbeat(Duration interval, Duration ttl) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, commandTimeout, decisionTimeout,
        maxCasAttempts, keyPrefix, failureMode, interval, ttl, clockRefreshInterval, hotKeyLeases);
  }

  /** These settings with other hot-key leases. */
  public RedisConfig withHotKeyLeases(HotKeyLeaseConfig leases) {
    return new RedisConfig(mode, addresses, password, tls, connectTimeout, commandTimeout, decisionTimeout,
        maxCasAttempts, keyPrefix, failureMode, heartbeatInterval, heartbeatTtl, clockRefreshInterval, leases);
  }

  /** Parses a comma-separated {@code host:port} list, as in {@code SLUICE_REDIS_ADDRESSES}. */
  public static List<String> parseAddresses(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  @Override
  public String toString() {
    // Never print the password.
    return "RedisConfig[mode=" + mode + ", addresses=" + addresses + ", password="
        + (password.isEmpty() ? "(none)" : "(set)") + ", tls=" + tls + ", connectTimeout=" + connectTimeout
        + ", commandTimeout=" + commandTimeout + ", decisionTimeout=" + decisionTimeout
        + ", maxCasAttempts=" + maxCasAttempts + ", keyPrefix=" + keyPrefix + ", failureMode=" + failureMode
        + ", heartbeatInterval=" + heartbeatInterval + ", heartbeatTtl=" + heartbeatTtl
        + ", clockRefreshInterval=" + clockRefreshInterval + ", hotKeyLeases=" + hotKeyLeases + "]";
  }
}
