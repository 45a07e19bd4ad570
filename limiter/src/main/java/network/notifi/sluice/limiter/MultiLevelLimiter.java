package network.notifi.sluice.limiter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Set;
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
 * <h2>Order: the third party alone, then the shared levels together</h2>
 *
 * The third-party level is asked first and alone, so that an abusive third party is turned away by
 * its own bucket and never touches the buckets every tenant shares. Once it admits (or when the
 * request has no third-party level), the endpoint and global levels are asked at the same time: with
 * a remote store that is one round trip for both instead of one each. Each level takes one token
 * atomically in its own bucket.
 *
 * <p>When the store expects the third party's bucket to hold a token with one to spare ({@link
 * BucketStore#expectsTokens}: a remote store's last confirmed state), all three levels are asked
 * together: one round trip for the whole decision. If the expectation was wrong and the third party
 * refuses, the shared levels' tokens are given back like any refund ({@code
 * rate_limit_expectation_misses_total} counts it). An abusive third party's bucket is known to be
 * empty, so it is still asked alone.
 *
 * <h2>No token leaks across levels</h2>
 *
 * When an enforced level refuses, every token the decision took is given back, so a refused request
 * costs no token at any level. Levels live in separate buckets (separate Redis keys, possibly on
 * separate cluster nodes), so the decision is not one atomic step. The bound under concurrency:
 * between a level's take and its refund the token is unavailable to others, so with {@code k}
 * decisions in flight that end up refused, up to {@code k} tokens per level are held back for the
 * duration of one decision (a shared level asked together with the refusing one holds its token for
 * that decision too). Concurrent requests can therefore be refused slightly early (under-admission),
 * but never admitted beyond a bucket's capacity plus its refill (no over-admission), because a
 * refund only returns a token that was taken and is capped at the bucket's capacity.
 *
 * <p>The same holds after the limiter: a request it admitted that is then refused (by build
 * admission, or by a failure) gives its tokens back through {@link #giveBack}, with the same bound (the
 * tokens are held for the time admission takes).
 *
 * <p>When several shared levels refuse the same request, the one whose next token is furthest away
 * is reported, so that {@code Retry-After} is honest. A level in shadow mode that would refuse lets
 * the request pass; the would-be refusal is reported in {@link Decision#shadowRefusals()} and counted.
 *
 * <h2>Metrics</h2>
 *
 * {@code rate_limit_requests_total{limit_type}} counts every level asked, {@code
 * rate_limit_rejected_total{limit_type}} every refused request under the level reported as refusing
 * it (one per refused request), {@code rate_limit_admitted_total{limit_type}} the tokens each level
 * took for an admitted request (one per admitted request and enforced level), {@code
 * rate_limit_given_back_total{limit_type}} those of them given back by {@link #giveBack} (a level
 * kept admitted minus given back), {@code rate_limit_shadow_rejected_total
 * {limit_type}} every shadow refusal, {@code rate_limit_current_usage{limit_type}} the share of the
 * most used bucket of each level in use (the peak of the last 10 to 20 seconds, 0..1), and {@code
 * rate_limit_decision_seconds} the time of a whole decision.
 *
 * <p>Thread-safe, {@link #reconfigure} included. {@link #decide} does not block; it completes when
 * the store has answered.
 */
public final class MultiLevelLimiter {

  private static final long USAGE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  // Replaced whole by reconfigure; a decision reads it once, so it never mixes two configurations.
  private volatile LimiterConfig config;
  private final BucketStore store;
  private final Map<Level, Counter> asked = new EnumMap<>(Level.class);
  private final Map<Level, Counter> rejected = new EnumMap<>(Level.class);
  private final Map<Level, Counter> admitted = new EnumMap<>(Level.class);
  private final Map<Level, Counter> shadowRejected = new EnumMap<>(Level.class);
  private final Counter expectationMisses;
  private final Map<Level, Counter> givenBack = new EnumMap<>(Level.class);
  private final Timer decisionTimer;
  private final Map<Level, WindowedMax> usage = new EnumMap<>(Level.class);

  private MultiLevelLimiter(LimiterConfig config, BucketStore store, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
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

  /**
   * Decides with {@code newConfig}, configuration {@code version}, from now on. Decisions in flight
   * finish with the configuration they started with. The store is told first ({@link
   * BucketStore#limitsChanged}); its buckets take the new limits as they are next used.
   */
  public void reconfigure(long version, LimiterConfig newConfig) {
    Objects.requireNonNull(newConfig, "newConfig");
    Set<Limit> inForce = new HashSet<>(newConfig.endpoints().values());
    inForce.add(newConfig.global());
    inForce.add(newConfig.thirdParty());
    store.limitsChanged(version, inForce);
    this.config = newConfig;
  }

  public BucketStore store() {
    return store;
  }

  /** The buckets that apply to a request, most specific first, with their limits. */
  public List<Map.Entry<BucketKey, Limit>> levelsFor(RateRequest request) {
    LimiterConfig config = this.config;
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
    return new Attempt(levelsFor(request))
        .run()
        .whenComplete((d, e) -> decisionTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  /**
   * Gives back every token an allowed {@code decision} took (shadow levels' too), for a request that
   * was refused after the limiter admitted it (by build admission, or by a failure): such a request
   * costs no token at any level either. Gives back at most once per decision; a refusal holds no
   * token. A refund the store cannot make is not the caller's failure: the future completes normally.
   *
   * @return the decision as the buckets stand after the give-back, for the answer's headers
   */
  public CompletableFuture<Decision> giveBack(Decision decision) {
    List<Decision.Taken> tokens = decision.tokensToGiveBack();
    if (tokens.isEmpty()) {
      return CompletableFuture.completedFuture(decision);
    }
    List<CompletableFuture<Void>> refunds = new ArrayList<>(tokens.size());
    for (Decision.Taken token : tokens) {
      LevelResult r = token.result();
      if (!r.limit().shadow()) {
        givenBack.get(r.level()).increment();
      }
      refunds.add(refund(r.key(), r.limit(), token.probe()));
    }
    return CompletableFuture.allOf(refunds.toArray(CompletableFuture[]::new)).thenApply(v -> decision.afterGivingBack());
  }

  /** One token back to the store that took it; completes normally whether or not the store answered. */
  private CompletableFuture<Void> refund(BucketKey key, Limit limit, TokenProbe taken) {
    try {
      return store.refund(key, limit, 1, taken).exceptionally(e -> null);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** One decision in progress. Each level's slot is written once, by the future of its own ask. */
  private final class Attempt {
    private final List<Map.Entry<BucketKey, Limit>> levels;
    private final LevelResult[] results;
    private final TokenProbe[] probes;
    private final Throwable[] failures;

    Attempt(List<Map.Entry<BucketKey, Limit>> levels) {
      this.levels = levels;
      this.results = new LevelResult[levels.size()];
      this.probes = new TokenProbe[levels.size()];
      this.failures = new Throwable[levels.size()];
    }

    CompletableFuture<Decision> run() {
      boolean thirdParty = levels.size() > 1 && levels.get(0).getKey().level() == Level.THIRD_PARTY;
      if (!thirdParty) {
        return askFrom(0);
      }
      Map.Entry<BucketKey, Limit> first = levels.get(0);
      if (store.expectsTokens(first.getKey(), first.getValue(), 2)) {
        return askFrom(0).whenComplete((d, e) -> {
          if (results[0] != null && refuses(results[0])) {
            expectationMisses.increment();
          }
        });
      }
      return ask(0).thenCompose(v -> failures[0] == null && refuses(results[0]) ? settle() : askFrom(1));
    }

    /** Asks levels {@code from} to the last at the same time, then settles the decision. */
    private CompletableFuture<Decision> askFrom(int from) {
      if (from == levels.size() - 1) {
        return ask(from).thenCompose(v -> settle());
      }
      var asks = new CompletableFuture<?>[levels.size() - from];
      for (int i = from; i < levels.size(); i++) {
        asks[i - from] = ask(i);
      }
      return CompletableFuture.allOf(asks).thenCompose(v -> settle());
    }

    /** Asks level {@code i}; completes normally with its result or failure recorded. */
    private CompletableFuture<Void> ask(int i) {
      BucketKey key = levels.get(i).getKey();
      Limit limit = levels.get(i).getValue();
      CompletableFuture<TokenProbe> answer;
      try {
        answer = store.tryConsume(key, limit, 1);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      return answer.handle((probe, failure) -> {
        if (failure != null) {
          failures[i] = failure;
          return null;
        }
        probes[i] = probe;
        results[i] = new LevelResult(
            key, limit, probe.consumed(), probe.remaining(), probe.nanosToNextToken(), probe.nanosToFull());
        usage.get(key.level()).observe((double) (limit.burst() - probe.remaining()) / limit.burst());
        if (!probe.consumed() && limit.shadow()) {
          shadowRejected.get(key.level()).increment();
        }
        return null;
      });
    }

    /** Once every level asked has answered: the decision, after giving tokens back if needed. */
    private CompletableFuture<Decision> settle() {
      boolean thirdPartyRefused = levels.get(0).getKey().level() == Level.THIRD_PARTY
          && results[0] != null && refuses(results[0]);
      countAsked(thirdPartyRefused);
      // A shared level's failure does not matter when the third party refused: the answer is its refusal.
      for (int i = 0; i < (thirdPartyRefused ? 1 : failures.length); i++) {
        Throwable failure = failures[i];
        if (failure != null) {
          return refundAll().thenCompose(v -> CompletableFuture.failedFuture(failure));
        }
      }
      // A third party's refusal is the answer, as when it is asked alone; shared levels asked
      // alongside it (a wrong expectation) only give their tokens back.
      LevelResult refusing = thirdPartyRefused ? results[0] : furthestRefusal();
      if (refusing == null) {
        return CompletableFuture.completedFuture(decision(null));
      }
      rejected.get(refusing.level()).increment();
      LevelResult refusal = refusing;
      return refundAll().thenApply(v -> decision(refusal));
    }

    private Decision decision(LevelResult refusal) {
      List<LevelResult> enforced = new ArrayList<>(results.length);
      List<LevelResult> shadow = new ArrayList<>(1);
      List<Decision.Taken> taken = new ArrayList<>(results.length);
      for (int i = 0; i < results.length; i++) {
        LevelResult r = results[i];
        if (r == null) {
          continue;
        }
        if (refusal == null && r.consumed()) {
          taken.add(new Decision.Taken(r, probes[i]));
        }
        if (r.limit().shadow()) {
          if (!r.consumed()) {
            shadow.add(r);
          }
        } else if (refusal == null) {
          admitted.get(r.level()).increment();
          enforced.add(r);
        } else {
          enforced.add(r.consumed() ? r.refunded() : r);
        }
      }
      return new Decision(enforced, shadow, refusal, taken);
    }

    /** Of the levels that refused, the one whose next token is furthest away; null when none refused. */
    private LevelResult furthestRefusal() {
      LevelResult refusing = null;
      for (LevelResult r : results) {
        if (r != null && refuses(r) && (refusing == null || r.nanosToNextToken() > refusing.nanosToNextToken())) {
          refusing = r;
        }
      }
      return refusing;
    }

    /**
     * Counts the levels the request was checked against: those asked, except shared levels asked
     * alongside a third party that refused, which the request never reached.
     */
    private void countAsked(boolean thirdPartyRefused) {
      for (int i = 0; i < levels.size(); i++) {
        if ((results[i] != null || failures[i] != null) && !(thirdPartyRefused && i > 0)) {
          asked.get(levels.get(i).getKey().level()).increment();
        }
      }
    }

    /** Gives back every token this attempt took (shadow levels' too); a failed refund is not the caller's failure. */
    private CompletableFuture<Void> refundAll() {
      List<CompletableFuture<Void>> refunds = new ArrayList<>(results.length);
      for (int i = 0; i < results.length; i++) {
        LevelResult r = results[i];
        if (r != null && r.consumed()) {
          refunds.add(refund(r.key(), r.limit(), probes[i]));
        }
      }
      return CompletableFuture.allOf(refunds.toArray(CompletableFuture[]::new));
    }
  }

  /** An enforced level that did not give its token. */
  private static boolean refuses(LevelResult r) {
    return !r.consumed() && !r.limit().shadow();
  }

  private static Counter counter(MeterRegistry registry, String name, String help, Level level) {
    return Counter.builder(name).description(help).tag("limit_type", level.code()).register(registry);
  }
}
