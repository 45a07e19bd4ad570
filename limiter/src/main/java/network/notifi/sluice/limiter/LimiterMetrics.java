package network.notifi.sluice.limiter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.limiter.internal.WindowedMax;

/** The meters of a {@link MultiLevelLimiter}, listed in its class comment. Thread-safe. */
final class LimiterMetrics {

  private static final long USAGE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Map<Level, Counter> asked = new EnumMap<>(Level.class);
  private final Map<Level, Counter> rejected = new EnumMap<>(Level.class);
  private final Map<Level, Counter> admitted = new EnumMap<>(Level.class);
  private final Map<Level, Counter> shadowRejected = new EnumMap<>(Level.class);
  private final Map<Level, Counter> givenBack = new EnumMap<>(Level.class);
  private final Map<Level, WindowedMax> usage = new EnumMap<>(Level.class);
  private final Counter expectationMisses;
  private final Timer decisionTimer;

  LimiterMetrics(MeterRegistry registry) {
    for (Level level : Level.values()) {
      asked.put(level, counter(registry, "rate_limit_requests", "Requests checked against a level", level));
      rejected.put(level, counter(registry, "rate_limit_rejected", "Requests refused by a level", level));
      admitted.put(level, counter(registry, "rate_limit_admitted", "Tokens a level kept: requests admitted", level));
      shadowRejected.put(
          level, counter(registry, "rate_limit_shadow_rejected", "Would-be refusals of a shadow level", level));
      givenBack.put(level, counter(registry, "rate_limit_given_back",
          "Tokens an admitted request gave back when it was refused after the limiter", level));
      var peak = new WindowedMax(USAGE_WINDOW_NANOS, System::nanoTime);
      usage.put(level, peak);
      Gauge.builder("rate_limit_current_usage", peak, WindowedMax::value)
          .description("Share of a level's capacity in use (0..1); the most used bucket of the level, recent peak")
          .tag("limit_type", level.code())
          .register(registry);
    }
    this.expectationMisses = Counter.builder("rate_limit_expectation_misses")
        .description("Third-party refusals of decisions that asked every level together because the store"
            + " expected the third party to admit; the shared levels gave their tokens back")
        .register(registry);
    this.decisionTimer =
        Timer.builder("rate_limit_decision")
            .description("Time of one multi-level rate-limit decision")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(1))
            .register(registry);
  }

  void asked(Level level) {
    asked.get(level).increment();
  }

  void rejected(Level level) {
    rejected.get(level).increment();
  }

  void admitted(Level level) {
    admitted.get(level).increment();
  }

  void shadowRejected(Level level) {
    shadowRejected.get(level).increment();
  }

  void givenBack(Level level) {
    givenBack.get(level).increment();
  }

  void expectationMissed() {
    expectationMisses.increment();
  }

  /** A bucket of {@code level} answered with {@code used} (0..1) of its capacity in use. */
  void used(Level level, double used) {
    usage.get(level).observe(used);
  }

  void decided(long nanos) {
    decisionTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private static Counter counter(MeterRegistry registry, String name, String help, Level level) {
    return Counter.builder(name).description(help).tag("limit_type", level.code()).register(registry);
  }
}
