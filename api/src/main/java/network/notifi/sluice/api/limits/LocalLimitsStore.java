package network.notifi.sluice.api.limits;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.LimiterConfig;

/** The limits of one replica alone (the embedded default, no Redis). Thread-safe. */
public final class LocalLimitsStore implements LimitsStore {

  private final Clock clock;
  private LimitsInForce current;
  private LimiterConfig lastFile;

  public LocalLimitsStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized CompletableFuture<Optional<LimitsInForce>> read() {
    return CompletableFuture.completedFuture(Optional.ofNullable(current));
  }

  @Override
  public synchronized CompletableFuture<LimitsInForce> publish(LimiterConfig limits, String source) {
    current = new LimitsInForce(current == null ? 1 : current.version() + 1, source, clock.instant(), limits);
    return CompletableFuture.completedFuture(current);
  }

  @Override
  public synchronized CompletableFuture<LimitsInForce> adoptFile(LimiterConfig fileLimits) {
    if (fileLimits.equals(lastFile)) {
      return CompletableFuture.completedFuture(current);
    }
    lastFile = fileLimits;
    return publish(fileLimits, LimitsInForce.FILE);
  }
}
