package network.notifi.sluice.limiter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * One decision of a {@link MultiLevelLimiter} in progress, in the order and with the refunds its class
 * comment states. Each level's slot is written once, by the future of its own ask.
 */
final class DecisionAttempt {

  private final BucketStore store;
  private final LimiterMetrics metrics;
  private final List<Map.Entry<BucketKey, Limit>> levels;
  private final LevelResult[] results;
  private final TokenProbe[] probes;
  private final Throwable[] failures;
  private final OptionalLong[] expected;

  DecisionAttempt(BucketStore store, LimiterMetrics metrics, List<Map.Entry<BucketKey, Limit>> levels) {
    this.store = store;
    this.metrics = metrics;
    this.levels = levels;
    this.results = new LevelResult[levels.size()];
    this.probes = new TokenProbe[levels.size()];
    this.failures = new Throwable[levels.size()];
    this.expected = new OptionalLong[levels.size()];
  }

  CompletableFuture<Decision> run() {
    int empty = expectedEmpty();
    if (empty < 0) {
      return askInOrder();
    }
    // Its refusal, the likely answer, then costs the other levels nothing.
    return ask(empty).thenCompose(v -> failures[empty] == null && refuses(results[empty]) ? settle() : askInOrder());
  }

  /** What the store expects level {@code i} to hold, asked once per decision and only when needed. */
  private OptionalLong expected(int i) {
    if (expected[i] == null) {
      expected[i] = store.expectedTokens(levels.get(i).getKey(), levels.get(i).getValue());
    }
    return expected[i];
  }

  /**
   * The first enforced level the store expects to hold no whole token, or -1. The levels after it are
   * not looked at: under a flood the first level answers, and the others' states are not decoded.
   */
  private int expectedEmpty() {
    for (int i = 0; i < levels.size(); i++) {
      if (!levels.get(i).getValue().shadow() && expected(i).isPresent() && expected(i).getAsLong() < 1) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The levels not asked yet: the third party first and alone unless the store expects it to admit
   * with a token to spare, then the rest at once.
   */
  private CompletableFuture<Decision> askInOrder() {
    boolean thirdParty = levels.size() > 1 && levels.get(0).getKey().level() == Level.THIRD_PARTY;
    if (!thirdParty || answered(0)) {
      return askFrom(0);
    }
    if (expected(0).orElse(0) >= 2) {
      return askFrom(0).whenComplete((d, e) -> {
        if (results[0] != null && refuses(results[0])) {
          metrics.expectationMissed();
        }
      });
    }
    return ask(0).thenCompose(v -> failures[0] == null && refuses(results[0]) ? settle() : askFrom(1));
  }

  /** Asks the levels from {@code from} on that were not asked yet, at the same time, then settles the decision. */
  private CompletableFuture<Decision> askFrom(int from) {
    List<CompletableFuture<Void>> asks = new ArrayList<>(levels.size() - from);
    for (int i = from; i < levels.size(); i++) {
      if (!answered(i)) {
        asks.add(ask(i));
      }
    }
    if (asks.size() == 1) {
      return asks.get(0).thenCompose(v -> settle());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenCompose(v -> settle());
  }

  /** Asks level {@code i}; completes normally with its result or failure recorded. */
  /**
   * Whether level {@code i} was asked. Levels are asked in rounds and a round starts only once the
   * one before it has answered, so a level asked is a level answered.
   */
  private boolean answered(int i) {
    return results[i] != null || failures[i] != null;
  }

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
      metrics.used(key.level(), (double) (limit.burst() - probe.remaining()) / limit.burst());
      if (!probe.consumed() && limit.shadow()) {
        metrics.shadowRejected(key.level());
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
    metrics.rejected(refusing.level());
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
        metrics.admitted(r.level());
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
      if (answered(i) && !(thirdPartyRefused && i > 0)) {
        metrics.asked(levels.get(i).getKey().level());
      }
    }
  }

  /** Gives back every token this attempt took (shadow levels' too); a failed refund is not the caller's failure. */
  private CompletableFuture<Void> refundAll() {
    List<CompletableFuture<Void>> refunds = new ArrayList<>(results.length);
    for (int i = 0; i < results.length; i++) {
      LevelResult r = results[i];
      if (r != null && r.consumed()) {
        refunds.add(refund(store, r.key(), r.limit(), probes[i]));
      }
    }
    return CompletableFuture.allOf(refunds.toArray(CompletableFuture[]::new));
  }

  /** One token back to the store that took it; completes normally whether or not the store answered. */
  static CompletableFuture<Void> refund(BucketStore store, BucketKey key, Limit limit, TokenProbe taken) {
    try {
      return store.refund(key, limit, 1, taken).exceptionally(e -> null);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** An enforced level that did not give its token. */
  private static boolean refuses(LevelResult r) {
    return !r.consumed() && !r.limit().shadow();
  }
}
