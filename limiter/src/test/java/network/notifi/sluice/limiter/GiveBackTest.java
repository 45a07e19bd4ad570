package network.notifi.sluice.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.ForwardingBucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import org.junit.jupiter.api.Test;

/** A request the limiter admitted and something after it refused costs no token at any level. */
class GiveBackTest {

  private static final Limit GLOBAL = Limit.of(1, 50);
  private static final Limit ENDPOINT = Limit.of(1, 30);
  private static final Limit THIRD_PARTY = Limit.of(1, 10);

  private final ManualClock clock = new ManualClock();
  private final InProcessBucketStore store = InProcessBucketStore.create(clock, 1_000);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MultiLevelLimiter limiter = MultiLevelLimiter.of(
      new LimiterConfig(GLOBAL, Map.of("build.start", ENDPOINT), THIRD_PARTY, AnonymousPolicy.SKIP), store, registry);

  @Test
  void givingBackAnAdmittedDecisionReturnsItsTokenAtEveryLevel() {
    var decision = limiter.decide(RateRequest.of("build.start", "tp")).join();
    assertThat(available(BucketKey.GLOBAL, GLOBAL)).isEqualTo(49);

    var after = limiter.giveBack(decision).join();

    assertThat(available(BucketKey.thirdParty("tp"), THIRD_PARTY)).isEqualTo(10);
    assertThat(available(BucketKey.endpoint("build.start"), ENDPOINT)).isEqualTo(30);
    assertThat(available(BucketKey.GLOBAL, GLOBAL)).isEqualTo(50);
    assertThat(after.applied()).extracting(LevelResult::remaining).containsExactly(10L, 30L, 50L);
    for (String level : List.of("third_party", "endpoint", "global")) {
      assertThat(registry.counter("rate_limit_given_back", "limit_type", level).count()).isEqualTo(1);
    }
  }

  @Test
  void aDecisionGivesBackOnceHoweverOftenItIsAsked() {
    limiter.decide(RateRequest.of("build.start", "tp")).join();
    var decision = limiter.decide(RateRequest.of("build.start", "tp")).join();

    limiter.giveBack(decision).join();
    limiter.giveBack(decision).join();

    // The first decision still holds its token: a second give-back must not return it.
    assertThat(available(BucketKey.thirdParty("tp"), THIRD_PARTY)).isEqualTo(9);
    assertThat(available(BucketKey.GLOBAL, GLOBAL)).isEqualTo(49);
    assertThat(registry.counter("rate_limit_given_back", "limit_type", "global").count()).isEqualTo(1);
  }

  @Test
  void aRefusalHasNothingToGiveBack() {
    for (int i = 0; i < 10; i++) {
      limiter.decide(RateRequest.of("build.start", "tp")).join();
    }
    var refused = limiter.decide(RateRequest.of("build.start", "tp")).join();
    assertThat(refused.allowed()).isFalse();

    limiter.giveBack(refused).join();

    assertThat(available(BucketKey.GLOBAL, GLOBAL)).isEqualTo(40);
    assertThat(registry.counter("rate_limit_given_back", "limit_type", "global").count()).isZero();
  }

  @Test
  void aRepeatedlyRefusedClientDrainsNoSharedBucket() {
    // What a client retrying a parser in backoff does: admitted by the limiter, refused after it.
    for (int i = 0; i < 500; i++) {
      var decision = limiter.decide(RateRequest.of("build.start", "retrier")).join();
      assertThat(decision.allowed()).isTrue();
      limiter.giveBack(decision).join();
    }

    assertThat(limiter.decide(RateRequest.of("build.start", "someone-else")).join().allowed()).isTrue();
    assertThat(available(BucketKey.endpoint("build.start"), ENDPOINT)).isEqualTo(29);
  }

  @Test
  void theTokenGoesBackWithTheProbeOfTheCallThatTookIt() {
    List<TokenProbe> refundedWith = new ArrayList<>();
    var recording = new ForwardingBucketStore(store) {
      @Override
      public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
        return delegate.tryConsume(key, limit, tokens).thenApply(TokenProbe::asDegraded);
      }

      @Override
      public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
        refundedWith.add(taken);
        return delegate.refund(key, limit, tokens);
      }
    };
    var onShares = MultiLevelLimiter.of(limiter.config(), recording);

    onShares.giveBack(onShares.decide(RateRequest.of("build.start", "tp")).join()).join();

    assertThat(refundedWith).hasSize(3).allMatch(TokenProbe::degraded);
  }

  @Test
  void aRefundTheStoreCannotMakeIsNotTheCallersFailure() {
    var failingRefunds = new ForwardingBucketStore(store) {
      @Override
      public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
        return CompletableFuture.failedFuture(new IllegalStateException("store down"));
      }
    };
    var failing = MultiLevelLimiter.of(limiter.config(), failingRefunds);

    var after = failing.giveBack(failing.decide(RateRequest.of("build.start", "tp")).join());

    assertThat(after).succeedsWithin(Duration.ofSeconds(5));
  }

  private long available(BucketKey key, Limit limit) {
    return store.snapshot(key, limit).join().map(BucketSnapshot::availableTokens).orElse(limit.burst());
  }
}
