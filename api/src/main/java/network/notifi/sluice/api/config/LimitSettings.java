package network.notifi.sluice.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;

/**
 * The token buckets' limits: read from the {@code rate_limiting} keys at start, changed at runtime
 * from a document of the same keys, and written back as that document. One reading for both, so a
 * runtime change obeys the file's rules and messages.
 */
final class LimitSettings {

  private LimitSettings() {}

  /** The limits in the {@code rate_limiting} keys of {@code source}; a key left out keeps its value in {@code d}. */
  static LimiterConfig read(ConfigSource source, LimiterConfig d) {
    Limit global = limit(source, "rate_limiting.global", d.global());
    Limit buildStart = limit(source, "rate_limiting.build_start", d.endpoints().get(ConfigLoader.BUILD_START));
    Limit thirdParty = limit(source, "rate_limiting.third_party", d.thirdParty());
    AnonymousPolicy anonymous = source.enumValue("rate_limiting.anonymous", d.anonymous());
    return new LimiterConfig(global, Map.of(ConfigLoader.BUILD_START, buildStart), thirdParty, anonymous);
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

  /** See {@link ConfigLoader#limits}. */
  static LimiterConfig change(JsonNode tree, LimiterConfig current) {
    if (tree == null || !tree.isObject()) {
      throw new ConfigException("limits must be a JSON object like {\"rate_limiting\": {\"global_rps\": 100}}");
    }
    var source = new ConfigSource(tree, Map.of());
    var limits = read(source, current);
    source.rejectUnknownKeys(key -> key + " cannot be changed at runtime; rate_limiting."
        + String.join(", ", ConfigLoader.LIMIT_KEYS) + " can");
    return limits;
  }

  /** See {@link ConfigLoader#limitSettings}. */
  static Map<String, Object> document(LimiterConfig limits) {
    Map<String, Object> settings = new LinkedHashMap<>();
    putLimit(settings, "global", limits.global());
    putLimit(settings, "build_start", limits.endpoints().get(ConfigLoader.BUILD_START));
    putLimit(settings, "third_party", limits.thirdParty());
    settings.put("anonymous", limits.anonymous().name().toLowerCase(Locale.ROOT));
    return settings;
  }

  private static void putLimit(Map<String, Object> settings, String prefix, Limit limit) {
    settings.put(prefix + "_rps", limit.ratePerSecond());
    settings.put(prefix + "_burst", limit.burst());
    settings.put(prefix + "_shadow", limit.shadow());
  }
}
