package network.notifi.sluice.limiter;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketStore;

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
 * BucketStore#expectedTokens}: a remote store's last confirmed state), all three levels are asked
 * together: one round trip for the whole decision. If the expectation was wrong and the third party
 * refuses, the shared levels' tokens are given back like any refund ({@code
 * rate_limit_expectation_misses_total} counts it). An abusive third party's bucket is known to be
 * empty, so it is still asked alone.
 *
 * <p>An enforced level the store expects to be empty ({@link BucketStore#expectedTokens}: its last
 * confirmed state holds no whole token) is asked first and alone, whichever level it is. Its refusal
 * is then the whole decision: the levels every request shares take no token only to give it back,
 * which under a burst halves the writes to the global key once the endpoint's bucket is empty. Its
 * {@code Retry-After} is that level's; a level not asked may refuse the retry. When the expectation
 * is wrong, the other levels are asked after it as above.
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

  // Replaced whole by reconfigure; a decision reads it once, so it never mixes two configurations.
  private volatile LimiterConfig config;
  private final BucketStore store;
  private final LimiterMetrics metrics;

  private MultiLevelLimiter(LimiterConfig config, BucketStore store, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    this.metrics = new LimiterMetrics(registry);
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
    return new DecisionAttempt(store, metrics, levelsFor(request))
        .run()
        .whenComplete((d, e) -> metrics.decided(System.nanoTime() - start));
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
        metrics.givenBack(r.level());
      }
      refunds.add(DecisionAttempt.refund(store, r.key(), r.limit(), token.probe()));
    }
    return CompletableFuture.allOf(refunds.toArray(CompletableFuture[]::new)).thenApply(v -> decision.afterGivingBack());
  }
}
