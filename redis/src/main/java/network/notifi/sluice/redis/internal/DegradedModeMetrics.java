package network.notifi.sluice.redis.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import network.notifi.sluice.limiter.Level;

/**
 * The meters of a degrading store: gauge {@code rate_limit_degraded}, {@code
 * rate_limit_degraded_switches_total{to}}, {@code rate_limit_store_errors_total}, {@code
 * rate_limit_contended_total{limit_type}}, {@code rate_limit_local_decisions_total{limit_type}} and
 * {@code rate_limit_reconciled_tokens_total{outcome}}. Thread-safe.
 */
public final class DegradedModeMetrics {

  private final BooleanSupplier degraded;
  private final Counter toDegraded;
  private final Counter toShared;
  private final Counter failures;
  private final Counter charged;
  private final Counter forgiven;
  private final Counter refundedLate;
  private final Map<Level, Counter> contended = new EnumMap<>(Level.class);
  private final Map<Level, Counter> localDecisions = new EnumMap<>(Level.class);

  /** Registers the meters; the gauge reads {@code degraded}. */
  public DegradedModeMetrics(MeterRegistry registry, BooleanSupplier degraded) {
    this.degraded = degraded;
    this.toDegraded = switches(registry, "degraded");
    this.toShared = switches(registry, "shared");
    this.failures = Counter.builder("rate_limit_store_errors")
        .description("Calls to the shared rate-limit store that failed or timed out")
        .register(registry);
    this.charged = reconciled(registry, "charged");
    this.forgiven = reconciled(registry, "forgiven");
    this.refundedLate = reconciled(registry, "refunded");
    for (Level level : Level.values()) {
      contended.put(level, Counter.builder("rate_limit_contended")
          .description("Bucket operations that lost their compare-and-swap too often and were answered locally")
          .tag("limit_type", level.code())
          .register(registry));
      localDecisions.put(level, Counter.builder("rate_limit_local_decisions")
          .description("Bucket operations answered from this replica's local share instead of Redis")
          .tag("limit_type", level.code())
          .register(registry));
    }
    Gauge.builder("rate_limit_degraded", this, m -> m.degraded.getAsBoolean() ? 1 : 0)
        .description("1 while rate-limit decisions are answered locally because Redis is unavailable")
        .register(registry);
  }

  public void switchedToDegraded() {
    toDegraded.increment();
  }

  public void switchedToShared() {
    toShared.increment();
  }

  /** A call to the shared store failed: contended on one key, or the store did not answer. */
  public void failed(Level level, boolean contention) {
    (contention ? contended.get(level) : failures).increment();
  }

  public void answeredLocally(Level level) {
    localDecisions.get(level).increment();
  }

  /** A share's debt of {@code owed} tokens was charged: {@code taken} of them, the rest forgiven. */
  public void charged(long owed, long taken) {
    charged.increment(taken);
    forgiven.increment(owed - taken);
  }

  public void refundedLate(long tokens) {
    refundedLate.increment(tokens);
  }

  private static Counter switches(MeterRegistry registry, String to) {
    return Counter.builder("rate_limit_degraded_switches")
        .description("Switches between shared (Redis) and local rate-limit decisions")
        .tag("to", to)
        .register(registry);
  }

  private static Counter reconciled(MeterRegistry registry, String outcome) {
    return Counter.builder("rate_limit_reconciled_tokens")
        .description("Tokens settled with Redis after local decisions: charged, forgiven (the bucket had "
            + "too few), or refunded (given back while Redis could not be asked)")
        .tag("outcome", outcome)
        .register(registry);
  }
}
