package network.notifi.sluice.api.limits;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.redis.SharedLimits;

/**
 * The limits shared by every replica through Redis ({@link SharedLimits}), written as the
 * configuration file's {@code rate_limiting} keys: {@code {"rate_limiting":{"global_rps":100,...}}}.
 */
public final class RedisLimitsStore implements LimitsStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SharedLimits shared;
  private final Clock clock;

  public RedisLimitsStore(SharedLimits shared, Clock clock) {
    this.shared = shared;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Optional<LimitsInForce>> read() {
    return shared.read().thenApply(version -> version.map(RedisLimitsStore::inForce));
  }

  @Override
  public CompletableFuture<LimitsInForce> publish(LimiterConfig limits, String source) {
    return shared.publish(document(limits), source, clock.millis()).thenApply(RedisLimitsStore::inForce);
  }

  @Override
  public CompletableFuture<LimitsInForce> adoptFile(LimiterConfig fileLimits) {
    return shared.adoptFile(document(fileLimits), clock.millis()).thenApply(RedisLimitsStore::inForce);
  }

  static String document(LimiterConfig limits) {
    try {
      return JSON.writeValueAsString(Map.of("rate_limiting", ConfigLoader.limitSettings(limits)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("limits cannot be written as JSON", e);
    }
  }

  private static LimitsInForce inForce(SharedLimits.Version version) {
    LimiterConfig limits;
    try {
      limits = ConfigLoader.limits(JSON.readTree(version.document()), LimiterConfig.defaults());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the shared limits, version " + version.version() + ", are not JSON", e);
    }
    return new LimitsInForce(
        version.version(), version.source(), Instant.ofEpochMilli(version.changedAtMillis()), limits);
  }
}
