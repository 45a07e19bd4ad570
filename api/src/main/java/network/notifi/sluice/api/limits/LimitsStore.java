package network.notifi.sluice.api.limits;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.LimiterConfig;

/**
 * Where the rate limits in force are kept: in this process ({@link LocalLimitsStore}), or shared by
 * every replica ({@link RedisLimitsStore}). Versions grow by one with every change. Thread-safe;
 * nothing blocks.
 */
public interface LimitsStore {

  /** The version in force, or empty when none was ever published. */
  CompletableFuture<Optional<LimitsInForce>> read();

  /** Publishes {@code limits} as the next version, from {@code source}. */
  CompletableFuture<LimitsInForce> publish(LimiterConfig limits, String source);

  /**
   * The configuration file's limits, at start or on reload: the next version if they differ from the
   * file's limits last published, else the version in force (a change through the admin API holds
   * until the file itself changes).
   */
  CompletableFuture<LimitsInForce> adoptFile(LimiterConfig fileLimits);
}
