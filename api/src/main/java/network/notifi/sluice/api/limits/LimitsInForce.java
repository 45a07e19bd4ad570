package network.notifi.sluice.api.limits;

import java.time.Instant;
import java.util.Objects;
import network.notifi.sluice.limiter.LimiterConfig;

/**
 * One version of the rate limits: what every replica decides with once it has seen it.
 *
 * @param version grows with every change; 0 for the configuration file's limits before any store
 *     answered (a replica that started while Redis was down)
 * @param source {@code file} or {@code admin}
 * @param changedAt when this version was published
 * @param limits the limits
 */
public record LimitsInForce(long version, String source, Instant changedAt, LimiterConfig limits) {

  public static final String FILE = "file";
  public static final String ADMIN = "admin";

  public LimitsInForce {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(changedAt, "changedAt");
    Objects.requireNonNull(limits, "limits");
  }
}
