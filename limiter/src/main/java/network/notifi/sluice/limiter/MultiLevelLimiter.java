package network.notifi.sluice.limiter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.limiter.internal.WindowedMax;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * One rate-limit decision over every level that applies to a request: third party, endpoint, global.
 *
 * <h2>No token leaks across levels</h2>
 *
 * Levels are asked most specific first (third party, then endpoint, then global), each taking one
 * token atomically in its own bucket. When a level refuses, the tokens already taken at the earlier
 * levels are given back, so a refused request costs no token at any level. Asking the third party
 * first means an abusive third party is turned away by its own bucket and never touches the shared
 * global and endpoint buckets.
 *
 * <p>Levels live in separate buckets (separate Redis keys, possibly on separate cluster nodes), so the
 * decision is not one atomic step. The bound under concurrency: between a level's take and its refund
 * the token is unavailable to others, so with {@code k} decisions in flight that end up refused, up
 * to {@code k} tokens per level are held back for the duration of one decision. Concurrent requests
 * can therefore be refused slightly early (under-admission), but never admitted beyond a bucket's
 * capacity plus its refill (no over-admission), because a refund only returns a token that was taken
 * and is capped at the bucket's capacity.
 *
 * <p>A level in shadow mode that would refuse lets the request pass; the would-be refusal is reported
 * in {@link Decision#shadowRefusals()} and counted.
 *
 * <h2>Metrics</h2>
 *
 * {@code rate_limit_requests_total{limit_type}} counts every level asked, {@code
 * rate_limit_rejected_total{limit_type}} every enforced refusal, {@code
 * rate_limit_shadow_rejected_total{limit_type}} every shadow refusal, {@code
 * rate_limit_current_usage{limit_type}} the share of the most used bucket of each level in use (the
 * peak of the last 10 to 20 seconds, 0..1), and {@code rate_limit_decision_seconds} the time of a
 * whole decision.
 *
 * <p>Thread-safe. {@link #decide} does not block; it completes when the store has answered.
 */
public final class MultiLevelLimiter {

  private static final long USAGE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final LimiterConfig config;
  private final BucketStore store;
  private final Map<Level, Counter> asked = new EnumMap<>(Level.class);
  private final Map<Level, Counter> rejected = new EnumMap<>(Level.class);
  private final Map<Level, Counter> shadowRejected = new EnumMap<>(Level.class);
  private final Timer decisionTimer;
  private final Map<Level, WindowedMax> usage = new EnumMap<>(Level.class);

  private MultiLevelLimiter(LimiterConfig config, BucketStore store, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    for (Level level : Level.values()) {
      asked.put(level, counter(registry, "rate_limit_requests", "Requests checked against a level", level));
      rejected.put(level, counter(registry, "rate_limit_rejected", "Requests refused by a level", level));
      shadowRejected.put(
          level, counter(registry, "rate_limit_shadow_rejected", "Would-be refusals of a shadow level", level));
      var peak = new WindowedMax(USAGE_WINDOW_NANOS, System::nanoTime);
      usage.put(level, peak);
      Gauge.builder("rate_limit_current_usage", peak, WindowedMax::value)
          .description("Share of a level's capacity in use (0..1); the most used bucket of the level, recent peak")
          .tag("limit_type", level.code())
          .register(registry);
    }
    this.decisionTimer =
        Timer.builder("rate_limit_decision")
            .description("Time of one multi-level rate-limit decision")
            .publishPercentileHistogram()
            .minimumExpectedValue(java.time.Duration.ofNanos(10_000))
            .maximumExpectedValue(java.time.Duration.ofSeconds(1))
            .register(registry);
  }

  /** A limiter over {@code store}, recording its metrics in {@code registry}. */
  public static MultiLevelLimiter of(LimiterConfig config, BucketStore store, MeterRegistry registry) {
    return new MultiLevelLimiter(config, store, registry);
  }

  /** A limiter whose metrics go nowhere; for tests and tools. */
  public static MultiLevelLimiter of(LimiterConfig config, BucketStore store) {
    return of(config, store, new SimpleMeterRegistry());
  }

  public LimiterConfig config() {
    return config;
  }

  public BucketStore store() {
    return store;
  }

  /** The buckets that apply to a request, most specific first, with their limits. */
  public List<Map.Entry<BucketKey, Limit>> levelsFor(RateRequest request) {
    List<Map.Entry<BucketKey, Limit>> levels = new ArrayList<>(3);
    if (request.thirdParty().isPresent()) {
      levels.add(Map.entry(BucketKey.thirdParty(request.thirdParty().get()), config.thirdParty()));
    } else if (config.anonymous() == AnonymousPolicy.SHARED) {
      levels.add(Map.entry(BucketKey.ANONYMOUS, config.thirdParty()));
    }
    Limit endpointLimit = config.endpoints().get(request.endpoint());
    if (endpointLimit != null) {
      levels.add(Map.entry(BucketKey.endpoint(request.endpoint()), endpointLimit));
    }
    levels.add(Map.entry(BucketKey.GLOBAL, config.global()));
    return levels;
  }

  /**
   * Decides whether {@code request} may pass, taking one token at each level if it may. The future
   * fails only when the store fails; tokens taken before such a failure are given back.
   */
  public CompletableFuture<Decision> decide(RateRequest request) {
    long start = System.nanoTime();
    var attempt = new Attempt(levelsFor(request));
    return attempt
        .next()
        .whenComplete((d, e) -> decisionTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  /** One decision in progress; confined to the futures' chain, so never touched concurrently. */
  private final class Attempt {
    private final List<Map.Entry<BucketKey, Limit>> levels;
    private final List<LevelResult> enforced = new ArrayList<>(3);
    private final List<LevelResult> shadow = new ArrayList<>(1);
    private final List<LevelResult> taken = new ArrayList<>(3);
    // The caller's trace context, restored around every store call: later levels run on the store's threads.
    private final Context context = Context.current();
    private int index;

    Attempt(List<Map.Entry<BucketKey, Limit>> levels) {
      this.levels = levels;
    }

    CompletableFuture<Decision> next() {
      if (index == levels.size()) {
        return CompletableFuture.completedFuture(new Decision(enforced, shadow, null));
      }
      var level = levels.get(index++);
      BucketKey key = level.getKey();
      Limit limit = level.getValue();
      asked.get(key.level()).increment();
      CompletableFuture<TokenProbe> answer;
      try (Scope ignored = context.makeCurrent()) {
        answer = store.tryConsume(key, limit, 1);
      }
      return answer
          .handle(
              (probe, failure) ->
                  failure == null
                      ? onProbe(key, limit, probe)
                      : refundAll().thenCompose(v -> CompletableFuture.<Decision>failedFuture(failure)))
          .thenCompose(decision -> decision);
    }

    private CompletableFuture<Decision> onProbe(BucketKey key, Limit limit, TokenProbe probe) {
      var result =
          new LevelResult(
              key, limit, probe.consumed(), probe.remaining(), probe.nanosToNextToken(), probe.nanosToFull());
      usage.get(key.level()).observe((double) (limit.burst() - probe.remaining()) / limit.burst());
      if (probe.consumed()) {
        // A shadow level that admits takes its token too, so its bucket shows real usage.
        taken.add(result);
        if (!limit.shadow()) {
          enforced.add(result);
        }
        return next();
      }
      if (limit.shadow()) {
        shadowRejected.get(key.level()).increment();
        shadow.add(result);
        return next();
      }
      rejected.get(key.level()).increment();
      return refundAll().thenApply(v -> refusal(result));
    }

    private Decision refusal(LevelResult refusing) {
      List<LevelResult> applied = new ArrayList<>(enforced.size() + 1);
      for (LevelResult r : enforced) {
        applied.add(r.refunded());
      }
      applied.add(refusing);
      return new Decision(applied, shadow, refusing);
    }

    /** Gives back every token this attempt took; a failed refund is not the caller's failure. */
    private CompletableFuture<Void> refundAll() {
      try (Scope ignored = context.makeCurrent()) {
        var refunds = taken.stream()
            .map(r -> store.refund(r.key(), r.limit(), 1).exceptionally(e -> null))
            .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(refunds);
      }
    }
  }

  private static Counter counter(MeterRegistry registry, String name, String help, Level level) {
    return Counter.builder(name).description(help).tag("limit_type", level.code()).register(registry);
  }
}
