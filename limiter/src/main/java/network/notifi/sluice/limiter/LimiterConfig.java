package network.notifi.sluice.limiter;

import java.util.Map;
import java.util.Objects;

/**
 * The limits of a {@link MultiLevelLimiter}. Immutable.
 *
 * @param global the limit over all requests
 * @param endpoints the limit per endpoint name; an endpoint without an entry has no endpoint level
 * @param thirdParty the limit each third party gets, in a bucket of its own
 * @param anonymous what to do with requests that name no third party
 */
public record LimiterConfig(
    Limit global, Map<String, Limit> endpoints, Limit thirdParty, AnonymousPolicy anonymous) {

  public LimiterConfig {
    Objects.requireNonNull(global, "global");
    Objects.requireNonNull(thirdParty, "thirdParty");
    Objects.requireNonNull(anonymous, "anonymous");
    endpoints = Map.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
  }

  /** The seed's defaults: global 100/s burst 200, build.start 50/s burst 100, third party 10/s burst 20. */
  public static LimiterConfig defaults() {
    return new LimiterConfig(
        Limit.of(100, 200),
        Map.of("build.start", Limit.of(50, 100)),
        Limit.of(10, 20),
        AnonymousPolicy.SKIP);
  }
}
