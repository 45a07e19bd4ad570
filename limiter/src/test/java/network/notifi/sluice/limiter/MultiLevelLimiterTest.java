package network.notifi.sluice.limiter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.ForwardingBucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiLevelLimiterTest {

  private final ManualClock clock = new ManualClock();
  private final InProcessBucketStore store = InProcessBucketStore.create(clock, 10_000);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private MultiLevelLimiter limiter(Limit global, Limit endpoint, Limit thirdParty) {
    return limiter(global, endpoint, thirdParty, AnonymousPolicy.SKIP);
  }

  private MultiLevelLimiter limiter(Limit global, Limit endpoint, Limit thirdParty, AnonymousPolicy anonymous) {
    var config = new LimiterConfig(global, Map.of("build.start", endpoint), thirdParty, anonymous);
    return MultiLevelLimiter.of(config, store, registry);
  }

  private static int admitted(MultiLevelLimiter limiter, RateRequest request, int attempts) {
    int admitted = 0;
    for (int i = 0; i < attempts; i++) {
      if (limiter.decide(request).join().allowed()) {
        admitted++;
      }
    }
    return admitted;
  }

  @ParameterizedTest(name = "rate {0}/s burst {1}: {2} ms later {3} more admitted")
  @CsvSource({
    // rate, burst, elapsed ms after draining, admitted in the next burst
    "10, 20,     0,  0",
    "10, 20,    99,  0",
    "10, 20,   100,  1",
    "10, 20,  1000, 10",
    "10, 20,  2000, 20",
    "10, 20, 60000, 20",
    "50, 100,  500, 25",
    " 1,   1,  999,  0",
    " 1,   1, 1000,  1",
  })
  void bucketMathWithAFakeClock(long rate, long burst, long elapsedMillis, int expected) {
    var limiter = limiter(Limit.of(1_000_000, 1_000_000), Limit.of(1_000_000, 1_000_000), Limit.of(rate, burst));
    var request = RateRequest.of("build.start", "customer-1");
    assertThat(admitted(limiter, request, (int) burst + 5)).isEqualTo(burst);

    clock.advanceMillis(elapsedMillis);

    assertThat(admitted(limiter, request, (int) burst + 5)).isEqualTo(expected);
  }

  @Test
  void refusedRequestConsumesNoTokenAtAnyLevel() {
    var limiter = limiter(Limit.of(1, 3), Limit.of(1, 10), Limit.of(1, 10));
    var first = RateRequest.of("build.start", "a");
    assertThat(admitted(limiter, first, 3)).isEqualTo(3);

    // The global bucket is empty: these are refused after the third-party and endpoint levels admitted.
    var refused = limiter.decide(first).join();
    assertThat(refused.refusal()).map(LevelResult::level).contains(Level.GLOBAL);
    for (int i = 0; i < 20; i++) {
      limiter.decide(RateRequest.of("build.start", "b")).join();
    }

    assertThat(available(BucketKey.thirdParty("a"), Limit.of(1, 10))).isEqualTo(7);
    assertThat(available(BucketKey.thirdParty("b"), Limit.of(1, 10))).isEqualTo(10);
    assertThat(available(BucketKey.endpoint("build.start"), Limit.of(1, 10))).isEqualTo(7);
  }

  @Test
  void refusalAtTheEndpointGivesTheThirdPartyItsTokenBack() {
    var limiter = limiter(Limit.of(1, 100), Limit.of(1, 2), Limit.of(1, 5));
    admitted(limiter, RateRequest.of("build.start", "x"), 2);

    var decision = limiter.decide(RateRequest.of("build.start", "y")).join();

    assertThat(decision.refusal()).map(LevelResult::level).contains(Level.ENDPOINT);
    assertThat(available(BucketKey.thirdParty("y"), Limit.of(1, 5))).isEqualTo(5);
    assertThat(available(BucketKey.GLOBAL, Limit.of(1, 100))).isEqualTo(98);
  }

  /**
   * A store that answers only when the test says so, counts the asks per level, and says what it
   * expects of the third party and which level (if any) it expects to be empty.
   */
  private static final class HeldAnswers extends ForwardingBucketStore {
    final Map<Level, CompletableFuture<TokenProbe>> pending = new ConcurrentHashMap<>();
    final Map<Level, Integer> asks = new ConcurrentHashMap<>();
    final Map<Level, Integer> expectationsAsked = new ConcurrentHashMap<>();
    final boolean expectsThirdPartyTokens;
    final Level expectedEmpty;

    HeldAnswers(BucketStore delegate, boolean expectsThirdPartyTokens) {
      this(delegate, expectsThirdPartyTokens, null);
    }

    HeldAnswers(BucketStore delegate, boolean expectsThirdPartyTokens, Level expectedEmpty) {
      super(delegate);
      this.expectsThirdPartyTokens = expectsThirdPartyTokens;
      this.expectedEmpty = expectedEmpty;
    }

    @Override
    public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
      asks.merge(key.level(), 1, Integer::sum);
      return pending.computeIfAbsent(key.level(), l -> new CompletableFuture<>());
    }

    @Override
    public OptionalLong expectedTokens(BucketKey key, Limit limit) {
      expectationsAsked.merge(key.level(), 1, Integer::sum);
      if (key.level() == expectedEmpty) {
        return OptionalLong.of(0);
      }
      return key.level() == Level.THIRD_PARTY && expectsThirdPartyTokens ? OptionalLong.of(9) : OptionalLong.empty();
    }
  }

  @Test
  void aLevelExpectedEmptyIsAskedAloneAndItsRefusalIsTheDecision() {
    var held = new HeldAnswers(store, true, Level.ENDPOINT);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held, registry);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));
    assertThat(held.pending).containsOnlyKeys(Level.ENDPOINT);
    held.pending.get(Level.ENDPOINT).complete(new TokenProbe(false, 0, 10_000_000, 1_000_000_000));

    assertThat(decision.join().refusal()).map(LevelResult::level).contains(Level.ENDPOINT);
    assertThat(held.pending).as("neither the third party nor global was asked").containsOnlyKeys(Level.ENDPOINT);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "global").count()).isZero();
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "endpoint").count()).isEqualTo(1);
  }

  @Test
  void underAFloodOnlyTheFirstLevelsExpectationIsRead() {
    var held = new HeldAnswers(store, false, Level.THIRD_PARTY);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held, registry);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));
    held.pending.get(Level.THIRD_PARTY).complete(new TokenProbe(false, 0, 10_000_000, 1_000_000_000));

    assertThat(decision.join().refusal()).map(LevelResult::level).contains(Level.THIRD_PARTY);
    // Reading an expectation decodes the bucket's remembered state: the shared levels' are not needed.
    assertThat(held.expectationsAsked).containsExactly(Map.entry(Level.THIRD_PARTY, 1));
  }

  @Test
  void everyLevelsExpectationIsReadAtMostOncePerDecision() {
    var held = new HeldAnswers(store, false, Level.GLOBAL);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held, registry);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));
    held.pending.get(Level.GLOBAL).complete(new TokenProbe(true, 0, 0, 0));
    held.pending.get(Level.THIRD_PARTY).complete(new TokenProbe(true, 9, 0, 0));
    held.pending.get(Level.ENDPOINT).complete(new TokenProbe(true, 9, 0, 0));

    assertThat(decision.join().allowed()).isTrue();
    assertThat(held.expectationsAsked)
        .containsEntry(Level.THIRD_PARTY, 1).containsEntry(Level.ENDPOINT, 1).containsEntry(Level.GLOBAL, 1);
  }

  @Test
  void whenALevelExpectedEmptyAdmitsTheOthersAreAskedAfterItOnce() {
    var held = new HeldAnswers(store, false, Level.GLOBAL);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held, registry);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));
    assertThat(held.pending).containsOnlyKeys(Level.GLOBAL);
    held.pending.get(Level.GLOBAL).complete(new TokenProbe(true, 0, 0, 0));
    // Not expected to admit: the third party is still asked alone before the endpoint.
    assertThat(held.pending).containsOnlyKeys(Level.GLOBAL, Level.THIRD_PARTY);
    held.pending.get(Level.THIRD_PARTY).complete(new TokenProbe(true, 9, 0, 0));
    held.pending.get(Level.ENDPOINT).complete(new TokenProbe(true, 9, 0, 0));

    assertThat(decision.join().allowed()).isTrue();
    assertThat(held.asks).containsEntry(Level.GLOBAL, 1).containsEntry(Level.THIRD_PARTY, 1).containsEntry(Level.ENDPOINT, 1);
  }

  @Test
  void aShadowLevelExpectedEmptyIsNotAskedFirst() {
    var shadowEndpoint = new LimiterConfig(
        Limit.of(100, 200), Map.of("build.start", Limit.of(50, 100).inShadowMode()), Limit.of(10, 20), AnonymousPolicy.SKIP);
    var held = new HeldAnswers(store, true, Level.ENDPOINT);
    var limiter = MultiLevelLimiter.of(shadowEndpoint, held, registry);

    limiter.decide(RateRequest.of("build.start", "tp"));

    assertThat(held.pending).containsOnlyKeys(Level.THIRD_PARTY, Level.ENDPOINT, Level.GLOBAL);
  }

  @Test
  void sharedLevelsAreAskedTogetherOnceTheThirdPartyAdmits() {
    var held = new HeldAnswers(store, false);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held);
    var decision = limiter.decide(RateRequest.of("build.start", "tp"));

    held.pending.get(Level.THIRD_PARTY).complete(new TokenProbe(true, 9, 0, 0));

    // Neither shared level has answered, yet both were asked.
    assertThat(held.pending).containsOnlyKeys(Level.THIRD_PARTY, Level.ENDPOINT, Level.GLOBAL);
    held.pending.get(Level.ENDPOINT).complete(new TokenProbe(true, 9, 0, 0));
    held.pending.get(Level.GLOBAL).complete(new TokenProbe(true, 9, 0, 0));
    assertThat(decision.join().allowed()).isTrue();
  }

  @Test
  void everyLevelIsAskedTogetherWhenTheStoreExpectsTheThirdPartyToAdmit() {
    var held = new HeldAnswers(store, true);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));

    assertThat(held.pending).containsOnlyKeys(Level.THIRD_PARTY, Level.ENDPOINT, Level.GLOBAL);
    held.pending.values().forEach(f -> f.complete(new TokenProbe(true, 9, 0, 0)));
    assertThat(decision.join().allowed()).isTrue();
  }

  @Test
  void withoutThatExpectationTheThirdPartyIsAskedAlone() {
    var held = new HeldAnswers(store, false);
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), held);

    var decision = limiter.decide(RateRequest.of("build.start", "tp"));

    assertThat(held.pending).containsOnlyKeys(Level.THIRD_PARTY);
    held.pending.get(Level.THIRD_PARTY).complete(new TokenProbe(false, 0, 1_000_000, 1_000_000));
    assertThat(decision.join().refusal()).map(LevelResult::level).contains(Level.THIRD_PARTY);
    assertThat(held.pending).containsOnlyKeys(Level.THIRD_PARTY);
  }

  @Test
  void aWrongExpectationGivesTheSharedLevelsTheirTokensBack() {
    // The expectation is wrong once the third party's only token is gone.
    var limiter = expectingLimiter(Limit.of(1, 100), Limit.of(1, 100), Limit.of(1, 1));
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.refusal()).map(LevelResult::level).contains(Level.THIRD_PARTY);
    assertThat(available(BucketKey.endpoint("build.start"), Limit.of(1, 100))).isEqualTo(99);
    assertThat(available(BucketKey.GLOBAL, Limit.of(1, 100))).isEqualTo(99);
    assertThat(registry.counter("rate_limit_expectation_misses").count()).isEqualTo(1);
  }

  @Test
  void aWrongExpectationCountsAndAnswersAsIfTheThirdPartyWereAskedAlone() {
    // The endpoint is empty too after one request, and its next token is further away than the third party's.
    var limiter = expectingLimiter(Limit.of(100, 100), Limit.of(1, 1), Limit.of(10, 1));
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.refusal()).map(LevelResult::level).contains(Level.THIRD_PARTY);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "third_party").count()).isEqualTo(2);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "endpoint").count()).isEqualTo(1);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "global").count()).isEqualTo(1);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "third_party").count()).isEqualTo(1);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "endpoint").count()).isZero();
  }

  /** A limiter on a store that expects every bucket to have tokens, so every decision asks all levels at once. */
  private MultiLevelLimiter expectingLimiter(Limit global, Limit endpoint, Limit thirdParty) {
    var expecting = new ForwardingBucketStore(store) {
      @Override
      public OptionalLong expectedTokens(BucketKey key, Limit limit) {
        return OptionalLong.of(Long.MAX_VALUE);
      }
    };
    var config = new LimiterConfig(global, Map.of("build.start", endpoint), thirdParty, AnonymousPolicy.SKIP);
    return MultiLevelLimiter.of(config, expecting, registry);
  }

  @Test
  void aThirdPartyRefusalIsAnsweredWithoutAskingTheSharedLevels() {
    var limiter = limiter(Limit.of(1, 100), Limit.of(1, 100), Limit.of(1, 1));
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.applied()).extracting(LevelResult::level).containsExactly(Level.THIRD_PARTY);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "global").count()).isEqualTo(1);
  }

  @Test
  void whenBothSharedLevelsRefuseTheOneWhoseTokenIsFurthestAwayIsReported() {
    // Endpoint refills every 100 ms, global every second: both are empty after one request.
    var limiter = limiter(Limit.of(1, 1), Limit.of(10, 1), Limit.of(100, 100));
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.refusal()).map(LevelResult::level).contains(Level.GLOBAL);
    assertThat(refused.retryAfterNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(1));
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "global").count()).isEqualTo(1);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "endpoint").count()).isZero();
  }

  @Test
  void admittedCountsTheTokensEachLevelKept() {
    var limiter = limiter(Limit.of(1, 100), Limit.of(1, 3), Limit.of(1, 100));
    admitted(limiter, RateRequest.of("build.start", "a"), 5);
    admitted(limiter, RateRequest.of("build.start", null), 2);

    // 3 admitted in all (the endpoint's burst); the 4 refused gave their tokens back.
    assertThat(registry.counter("rate_limit_admitted", "limit_type", "third_party").count()).isEqualTo(3);
    assertThat(registry.counter("rate_limit_admitted", "limit_type", "endpoint").count()).isEqualTo(3);
    assertThat(registry.counter("rate_limit_admitted", "limit_type", "global").count()).isEqualTo(3);
    assertThat(available(BucketKey.GLOBAL, Limit.of(1, 100))).isEqualTo(97);
  }

  @Test
  void thirdPartyRefusalNeverTouchesTheSharedBuckets() {
    var limiter = limiter(Limit.of(1, 100), Limit.of(1, 100), Limit.of(1, 2));
    admitted(limiter, RateRequest.of("build.start", "abuser"), 50);

    assertThat(available(BucketKey.GLOBAL, Limit.of(1, 100))).isEqualTo(98);
    assertThat(available(BucketKey.endpoint("build.start"), Limit.of(1, 100))).isEqualTo(98);
  }

  @Test
  void thirdPartiesAreIsolated() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));

    int abuser = admitted(limiter, RateRequest.of("build.start", "network.notifi.customer-123"), 30);
    int other = admitted(limiter, RateRequest.of("build.start", "network.notifi.customer-456"), 20);

    assertThat(abuser).isEqualTo(20);
    assertThat(other).isEqualTo(20);
  }

  @Test
  void anonymousRequestsSkipTheThirdPartyLevelByDefault() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));

    var decision = limiter.decide(RateRequest.of("build.start", null)).join();

    assertThat(decision.applied()).extracting(LevelResult::level).containsExactly(Level.ENDPOINT, Level.GLOBAL);
    assertThat(admitted(limiter, RateRequest.of("build.start", null), 200)).isEqualTo(99);
  }

  @Test
  void sharedAnonymousPolicyHoldsAllUnidentifiedRequestsToOneThirdPartyBucket() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20), AnonymousPolicy.SHARED);

    assertThat(admitted(limiter, RateRequest.of("build.start", null), 50)).isEqualTo(20);
    assertThat(admitted(limiter, RateRequest.of("build.start", "known"), 5)).isEqualTo(5);
  }

  @Test
  void endpointWithoutAConfiguredLimitHasNoEndpointLevel() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));

    var decision = limiter.decide(RateRequest.of("other", "tp")).join();

    assertThat(decision.applied()).extracting(LevelResult::level).containsExactly(Level.THIRD_PARTY, Level.GLOBAL);
  }

  @Test
  void shadowLevelCountsWouldBeRefusalsButLetsRequestsPass() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 2).inShadowMode());
    var request = RateRequest.of("build.start", "tp");

    assertThat(admitted(limiter, request, 5)).isEqualTo(5);

    var decision = limiter.decide(request).join();
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.shadowRefusals()).extracting(LevelResult::level).containsExactly(Level.THIRD_PARTY);
    assertThat(decision.applied()).extracting(LevelResult::level).containsExactly(Level.ENDPOINT, Level.GLOBAL);
    assertThat(registry.counter("rate_limit_shadow_rejected", "limit_type", "third_party").count()).isEqualTo(4);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "third_party").count()).isZero();
  }

  @Test
  void shadowTokensAreGivenBackWhenAnEnforcedLevelRefuses() {
    var limiter = limiter(Limit.of(1, 1), Limit.of(50, 100), Limit.of(10, 5).inShadowMode());
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(limiter.decide(RateRequest.of("build.start", "tp")).join().allowed()).isFalse();

    assertThat(available(BucketKey.thirdParty("tp"), Limit.of(10, 5))).isEqualTo(4);
  }

  @Test
  void decisionCarriesWhatHeadersNeed() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));
    var request = RateRequest.of("build.start", "tp");
    admitted(limiter, request, 15);

    var allowed = limiter.decide(request).join();
    assertThat(allowed.mostConstrained()).hasValueSatisfying(r -> {
      assertThat(r.level()).isEqualTo(Level.THIRD_PARTY);
      assertThat(r.remaining()).isEqualTo(4);
      assertThat(r.nanosToFull()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1600));
    });
    assertThat(allowed.retryAfterNanos()).isZero();

    admitted(limiter, request, 4);
    var refused = limiter.decide(request).join();
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.mostConstrained()).map(LevelResult::level).contains(Level.THIRD_PARTY);
    assertThat(refused.retryAfterNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
  }

  @Test
  void metricsCountEveryLevelAskedAndEveryRefusal() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));
    admitted(limiter, RateRequest.of("build.start", "tp"), 30);

    assertThat(registry.counter("rate_limit_requests", "limit_type", "third_party").count()).isEqualTo(30);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "endpoint").count()).isEqualTo(20);
    assertThat(registry.counter("rate_limit_requests", "limit_type", "global").count()).isEqualTo(20);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "third_party").count()).isEqualTo(10);
    assertThat(registry.counter("rate_limit_rejected", "limit_type", "global").count()).isZero();
  }

  @Test
  void currentUsageShowsTheMostUsedBucketOfEachLevel() {
    var limiter = limiter(Limit.of(100, 200), Limit.of(50, 100), Limit.of(10, 20));
    admitted(limiter, RateRequest.of("build.start", "busy"), 15);
    admitted(limiter, RateRequest.of("build.start", "quiet"), 1);

    assertThat(registry.get("rate_limit_current_usage").tag("limit_type", "third_party").gauge().value()).isEqualTo(0.75);
    assertThat(registry.get("rate_limit_current_usage").tag("limit_type", "endpoint").gauge().value()).isEqualTo(0.16);
    assertThat(registry.get("rate_limit_current_usage").tag("limit_type", "global").gauge().value()).isEqualTo(0.08);
  }

  @Test
  void storeFailureFailsTheDecisionAndGivesBackTokensAlreadyTaken() {
    var failingGlobal = new ForwardingBucketStore(store) {
      @Override
      public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
        return key.level() == Level.GLOBAL
            ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : store.tryConsume(key, limit, tokens);
      }
    };
    var limiter = MultiLevelLimiter.of(LimiterConfig.defaults(), failingGlobal);

    assertThatThrownBy(() -> limiter.decide(RateRequest.of("build.start", "tp")).join())
        .hasRootCauseMessage("store down");
    assertThat(available(BucketKey.thirdParty("tp"), Limit.of(10, 20))).isEqualTo(20);
  }

  @Test
  void refundedLevelsAreReportedWithTheirTokenBack() {
    var limiter = limiter(Limit.of(1, 1), Limit.of(50, 100), Limit.of(10, 20));
    limiter.decide(RateRequest.of("build.start", "tp")).join();

    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();

    assertThat(refused.applied())
        .extracting(LevelResult::level, LevelResult::consumed, LevelResult::remaining)
        .containsExactly(
            tuple(Level.THIRD_PARTY, false, 19L),
            tuple(Level.ENDPOINT, false, 99L),
            tuple(Level.GLOBAL, false, 0L));
  }

  @Test
  void underConcurrencyNothingIsOverAdmittedAndNoTokenLeaksOnceDecisionsSettle() throws Exception {
    var limiter = limiter(Limit.of(1, 50), Limit.of(1, 10_000), Limit.of(1, 10_000));
    int threads = 8;
    var pool = Executors.newFixedThreadPool(threads);
    var admitted = new AtomicInteger();
    var start = new CountDownLatch(1);
    try {
      var futures = new ArrayList<CompletableFuture<Void>>();
      for (int t = 0; t < threads; t++) {
        String thirdParty = "tp-" + (t % 2);
        futures.add(CompletableFuture.runAsync(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          for (int i = 0; i < 100; i++) {
            if (limiter.decide(RateRequest.of("build.start", thirdParty)).join().allowed()) {
              admitted.incrementAndGet();
            }
          }
        }, pool));
      }
      start.countDown();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    // The clock stands still: exactly the global burst is admitted, and every refused request's
    // third-party and endpoint tokens have been given back.
    assertThat(admitted).hasValue(50);
    assertThat(available(BucketKey.endpoint("build.start"), Limit.of(1, 10_000))).isEqualTo(10_000 - 50);
    long thirdPartyTaken =
        20_000
            - available(BucketKey.thirdParty("tp-0"), Limit.of(1, 10_000))
            - available(BucketKey.thirdParty("tp-1"), Limit.of(1, 10_000));
    assertThat(thirdPartyTaken).isEqualTo(50);
  }

  private long available(BucketKey key, Limit limit) {
    return store.snapshot(key, limit).join().map(BucketSnapshot::availableTokens).orElse(limit.burst());
  }
}
